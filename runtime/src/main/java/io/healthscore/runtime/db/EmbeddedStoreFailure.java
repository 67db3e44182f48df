package io.healthscore.runtime.db;

import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.UnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the embedded H2 database has stopped for good, and why.
 *
 * <p>H2 closes its store after any failed file write (disk full, read-only, I/O error): every
 * later statement fails with "The database has been closed", or, with assertions on, an
 * AssertionError from inside H2 that no handler expects. Neither names the disk. Once such a
 * failure is seen, every use of the database fails at once with UNAVAILABLE naming the disk
 * problem, and listeners hear of it once (the server turns NOT_SERVING, so Kubernetes restarts the
 * pod: H2 does not reopen by itself when space returns).
 */
final class EmbeddedStoreFailure {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStoreFailure.class);
  /** H2's DATABASE_IS_CLOSED. */
  private static final int DATABASE_IS_CLOSED = 90098;

  /** Where the database files live, probed to name the problem; null for a jdbc:h2: URL given. */
  private final Path dataDir;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private volatile UnavailableException stopped;

  EmbeddedStoreFailure(Path dataDir) {
    this.dataDir = dataDir;
  }

  void onFailure(Consumer<String> listener) {
    listeners.add(listener);
    UnavailableException already = stopped;
    if (already != null) {
      listener.accept(already.getMessage());
    }
  }

  /** Throws the failure if the database has stopped. */
  void checkRunning() {
    UnavailableException already = stopped;
    if (already != null) {
      throw new UnavailableException(already.getMessage(), already.getCause());
    }
  }

  /**
   * {@code failure} from database work: the UNAVAILABLE to throw instead when it shows the
   * database stopped (recorded, listeners told), else {@code failure} itself.
   */
  Throwable classify(Throwable failure) {
    if (stopped == null && !showsStop(failure)) {
      return failure;
    }
    synchronized (this) {
      if (stopped == null) {
        String problem = ApiErrors.diskProblem(failure);
        if (problem == null) {
          problem = probeDisk();
        }
        stopped = new UnavailableException(
            "the embedded database stopped after a failed write ("
                + (problem == null ? failure.toString() : problem)
                + "); free space or repair the disk, then restart the service",
            failure);
        LOG.error(stopped.getMessage(), failure);
        for (Consumer<String> listener : listeners) {
          listener.accept(stopped.getMessage());
        }
      }
    }
    return new UnavailableException(stopped.getMessage(), failure);
  }

  private static boolean showsStop(Throwable failure) {
    if (ApiErrors.diskProblem(failure) != null) {
      return true;
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getErrorCode() == DATABASE_IS_CLOSED) {
        return true;
      }
      if (t instanceof Error && thrownByH2(t)) {
        return true;
      }
    }
    return false;
  }

  private static boolean thrownByH2(Throwable t) {
    StackTraceElement[] stack = t.getStackTrace();
    return stack.length > 0 && stack[0].getClassName().startsWith("org.h2.");
  }

  /** What the disk says to a small synced write in the data directory, or null if it takes it. */
  private String probeDisk() {
    if (dataDir == null) {
      return null;
    }
    Path probe = dataDir.resolve(".write-probe");
    try (FileChannel channel =
        FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      channel.write(ByteBuffer.wrap(new byte[4096]));
      channel.force(true);
    } catch (IOException e) {
      String problem = ApiErrors.diskProblem(e);
      return problem != null ? problem : e.toString();
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException ignored) {
        // A read-only directory keeps nothing to delete; a full one will free it with the rest.
      }
    }
    return null;
  }
}
