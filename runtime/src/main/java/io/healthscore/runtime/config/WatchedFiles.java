package io.healthscore.runtime.config;

import io.healthscore.runtime.concurrent.DaemonThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files a service loads at start and again whenever they change (mounted Secrets: certificates, the
 * token table): every interval their modification times and sizes are compared, and a change runs
 * the load again. A load that fails at start stops the start naming the files; a later one keeps
 * what was loaded before, logs one warning, and is tried again when the files change once more.
 */
public final class WatchedFiles implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchedFiles.class);

  /** Reads the files and installs what they hold. */
  public interface Load {
    void run() throws IOException, GeneralSecurityException;
  }

  private final Duration interval;
  private final ScheduledExecutorService scheduler;

  /** Checks every {@code interval} on a daemon thread named {@code threadName}. */
  public WatchedFiles(Duration interval, String threadName) {
    this.interval = interval;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(threadName));
  }

  /** Loads now (IllegalArgumentException naming {@code what} if it fails) and again whenever one of {@code files} changes. */
  public void watch(List<Path> files, Load load, String what) {
    List<Object> loaded = stamps(files);
    try {
      load.run();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load " + what + ": " + e.getMessage(), e);
    }
    Runnable check =
        new Runnable() {
          private List<Object> seen = loaded;

          @Override
          public void run() {
            List<Object> now = stamps(files);
            if (now.equals(seen)) {
              return;
            }
            seen = now;
            try {
              load.run();
              LOG.info("reloaded {}", what);
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
              LOG.warn("cannot reload " + what + "; keeping the previous one: " + e.getMessage());
            }
          }
        };
    scheduler.scheduleWithFixedDelay(check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  /** Modification time and size of each file; a missing file is a stamp of its own. */
  private static List<Object> stamps(List<Path> files) {
    List<Object> stamps = new ArrayList<>();
    for (Path file : files) {
      try {
        stamps.add(Files.getLastModifiedTime(file));
        stamps.add(Files.size(file));
      } catch (IOException e) {
        stamps.add("missing");
      }
    }
    return stamps;
  }
}
