package io.healthscore.runtime.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service on its embedded database, on a real filesystem of its own ({@link LoopFilesystem})
 * that fills up or turns read-only under it: a write that meets the disk is UNAVAILABLE naming the
 * disk problem (never INTERNAL or UNKNOWN), health turns NOT_SERVING, and once space is back or
 * the disk repaired, a restart holds every acknowledged write, intact, and takes new ones.
 *
 * <p>A service's test extends this and says how to start it, make one acknowledged write and read
 * back which writes are stored; the hooks add what holds for that service alone. The service runs
 * with assertions on (-ea), as in every test.
 */
public abstract class DiskFaultContract {
  private static final int FILESYSTEM_MEGABYTES = 48;

  @TempDir protected Path dir;

  private final List<Integer> acknowledged = new ArrayList<>();
  private int next;

  /** Starts the service with its data directory (and embedded database) in {@code dataDir}. */
  protected abstract ServiceProcess start(ServiceProcess.Builder jvm, Path dataDir);

  /** The service's main class. */
  protected abstract String mainClass();

  /** Makes write number {@code n}; returns normally only once the service acknowledged it. */
  protected abstract void write(ServiceProcess service, int n);

  /** The numbers of the writes stored, each checked to read back as it was written. */
  protected abstract Set<Integer> stored(ServiceProcess service);

  /** The refusal of a write on the failed disk: UNAVAILABLE, naming the disk problem. */
  protected void assertRefusal(String problem, StatusRuntimeException e) {
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
    assertNames(problem, e);
  }

  /** What else holds while the disk is failed and health is NOT_SERVING; nothing by default. */
  protected void whileTheDiskFails(ServiceProcess service, String problem) {}

  /** What holds once space is freed, before the restart; nothing by default. */
  protected void onceSpaceIsFreed(ServiceProcess service) {}

  /** Whether a start on a disk still full exits, naming the problem, instead of serving. */
  protected boolean refusesToStartOnAFullDisk() {
    return false;
  }

  @Test
  void aFullDiskRefusesWritesClearlyAndLosesNothing() {
    try (LoopFilesystem fs = LoopFilesystem.mountOrSkip(dir, FILESYSTEM_MEGABYTES)) {
      try (ServiceProcess service = start(fs, "first")) {
        writeSome(service);
        fs.fill();
        String problem = "No space left on device";
        StatusRuntimeException refusal = writeUntilRefused(service);
        assertRefusal(problem, refusal);
        assertEquals(ServingStatus.NOT_SERVING, service.health(), "after " + refusal.getStatus());
        whileTheDiskFails(service, problem);
        fs.free();
        onceSpaceIsFreed(service);
        service.stop(Duration.ofSeconds(30));
      }
      if (refusesToStartOnAFullDisk()) {
        fs.fill();
        AssertionError refused = startRefused(fs);
        assertTrue(refused.getMessage().contains("No space left on device"), refused.getMessage());
        fs.free();
      }
      try (ServiceProcess restarted = start(fs, "restarted")) {
        assertEveryAcknowledgedWriteStoredAndNewOnesTaken(restarted);
      }
    }
  }

  @Test
  void aDiskTurnedReadOnlyRefusesWritesClearlyAndLosesNothing() {
    try (LoopFilesystem fs = LoopFilesystem.mountOrSkip(dir, FILESYSTEM_MEGABYTES)) {
      try (ServiceProcess service = start(fs, "first")) {
        writeSome(service);
        fs.failReadOnly();
        assertTrue(fs.readOnly());
        // The write that meets the ext4 error itself may fail with EIO before the remount.
        String problem = "Read-only file system|Input/output error";
        StatusRuntimeException refusal = writeUntilRefused(service);
        assertRefusal(problem, refusal);
        assertEquals(ServingStatus.NOT_SERVING, service.health(), "after " + refusal.getStatus());
        whileTheDiskFails(service, problem);
        service.stop(Duration.ofSeconds(30));
      }
      fs.repair();
      try (ServiceProcess restarted = start(fs, "restarted")) {
        assertEveryAcknowledgedWriteStoredAndNewOnesTaken(restarted);
      }
    }
  }

  private ServiceProcess start(LoopFilesystem fs, String name) {
    ServiceProcess.Builder jvm =
        ServiceProcess.builder(mainClass()).jvmArg("-Xmx256m").jvmArg("-ea")
            .logFile(dir.resolve(name + ".log")).startTimeout(Duration.ofMinutes(3));
    return start(jvm, fs.root().resolve("data"));
  }

  private AssertionError startRefused(LoopFilesystem fs) {
    try {
      start(fs, "full").close();
    } catch (AssertionError e) {
      return e;
    }
    throw new AssertionError("the service started on a full disk");
  }

  private void writeSome(ServiceProcess service) {
    for (int i = 0; i < 20; i++) {
      writeAcknowledged(service);
    }
  }

  private void writeAcknowledged(ServiceProcess service) {
    int n = next++;
    write(service, n);
    acknowledged.add(n);
  }

  private StatusRuntimeException writeUntilRefused(ServiceProcess service) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        writeAcknowledged(service);
      } catch (StatusRuntimeException e) {
        return e;
      }
    }
    throw new AssertionError("writes still acknowledged on a failed disk after " + acknowledged.size());
  }

  private void assertEveryAcknowledgedWriteStoredAndNewOnesTaken(ServiceProcess service) {
    Set<Integer> stored = stored(service);
    assertTrue(stored.containsAll(acknowledged), "acknowledged " + acknowledged + ", stored " + stored);
    writeAcknowledged(service);
    Set<Integer> afterwards = new TreeSet<>(stored);
    afterwards.add(next - 1);
    assertEquals(afterwards, stored(service), "a write after the restart is stored beside the others");
  }

  /** {@code e}'s description names {@code problem}, a pattern of the kernel's words for it. */
  protected static void assertNames(String problem, StatusRuntimeException e) {
    assertTrue(Pattern.compile(problem).matcher(String.valueOf(e.getStatus().getDescription())).find(),
        e.getStatus().toString());
  }
}
