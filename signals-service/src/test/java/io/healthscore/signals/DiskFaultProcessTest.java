package io.healthscore.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.LoopFilesystem;
import io.healthscore.runtime.testing.ServiceProcess;
import io.healthscore.signals.ingest.IngestSettings;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.SignalServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * signals-service on a real filesystem of its own that fills up, or turns read-only under it:
 * callers get a status naming the disk problem (never INTERNAL or UNKNOWN), health turns
 * NOT_SERVING, and once space is back or the disk repaired a restart holds every acknowledged
 * signal exactly once.
 */
class DiskFaultProcessTest {
  private static final int ACCOUNTS = 10;
  private static final int BATCH = 1_000;
  private static final Instant AT = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofHours(12));

  @TempDir Path dir;

  private int sent;
  private int acknowledged;

  private ServiceProcess start(LoopFilesystem fs, String name) {
    return ServiceProcess.builder(SignalsServiceMain.class.getName())
        .env(ServiceConfig.DATA_DIR, fs.root().resolve("data").toString())
        .env("HEALTHSCORE_AUTO_CREATE_ACCOUNTS", "true")
        .env(IngestSettings.CHECKPOINT_INTERVAL, "500ms")
        .jvmArg("-Xmx256m")
        .logFile(dir.resolve(name + ".log"))
        .start();
  }

  @Test
  void aFullDiskRefusesIngestClearlyAndLosesNothing() throws Exception {
    try (LoopFilesystem fs = LoopFilesystem.mountOrSkip(dir, 48)) {
      try (ServiceProcess service = start(fs, "first")) {
        ingestSome(service);
        fs.fill();
        String problem = "No space left on device";
        assertRefusedNaming(problem, ingestUntilRefused(service));
        assertEquals(ServingStatus.NOT_SERVING, service.health());
        assertReadsServeOrNameTheDisk(service, problem);
        fs.free();
        // The log cannot take back a write that failed half-way: ingest stays stopped until a restart.
        assertRefusedNaming("No space left on device", assertThrowsStatus(() -> ingest(service, sent)));
        service.stop(Duration.ofSeconds(30));
      }
      fs.fill();
      AssertionError startOnFullDisk = assertThrowsAssertion(() -> start(fs, "full").close());
      assertTrue(startOnFullDisk.getMessage().contains("No space left on device"), startOnFullDisk.getMessage());
      fs.free();
      try (ServiceProcess restarted = start(fs, "restarted")) {
        assertEverySignalOnce(restarted);
      }
    }
  }

  @Test
  void aDiskTurnedReadOnlyRefusesIngestClearlyAndLosesNothing() throws Exception {
    try (LoopFilesystem fs = LoopFilesystem.mountOrSkip(dir, 48)) {
      try (ServiceProcess service = start(fs, "first")) {
        ingestSome(service);
        fs.failReadOnly();
        assertTrue(fs.readOnly());
        String problem = "Read-only file system";
        assertRefusedNaming(problem, ingestUntilRefused(service));
        assertEquals(ServingStatus.NOT_SERVING, service.health());
        assertReadsServeOrNameTheDisk(service, problem);
        service.stop(Duration.ofSeconds(30));
      }
      fs.repair();
      try (ServiceProcess restarted = start(fs, "restarted")) {
        assertEverySignalOnce(restarted);
      }
    }
  }

  private void ingestSome(ServiceProcess service) throws InterruptedException {
    for (int b = 0; b < 10; b++) {
      ingest(service, b);
    }
    Thread.sleep(1_000); // a checkpoint or two: rollups in SQL as well as in the log
    for (int b = 10; b < 20; b++) {
      ingest(service, b);
    }
  }

  /**
   * Every acknowledged batch is stored, once: counted after the restart, and all duplicates when
   * sent again; the batches refused meanwhile are stored once sent again.
   */
  private void assertEverySignalOnce(ServiceProcess service) {
    double counted = ProcessDurabilityTest.totalCount(service);
    assertTrue(counted >= acknowledged * BATCH, counted + " counted, " + acknowledged + " batches acknowledged");
    int before = acknowledged;
    for (int b = 0; b < sent; b++) {
      IngestSignalsResponse again = ingest(service, b);
      if (b < before) {
        assertEquals(BATCH, again.getDuplicates(), "acknowledged batch " + b + " is stored");
      }
    }
    assertEquals((double) sent * BATCH, ProcessDurabilityTest.totalCount(service), "each signal counted once");
  }

  /**
   * Reads answer from what is stored, unless the embedded database closed itself after its own
   * write failed (which of the log and the checkpoint meets the disk first is a race): then they
   * are UNAVAILABLE naming the disk problem, never INTERNAL.
   */
  private void assertReadsServeOrNameTheDisk(ServiceProcess service, String problem) {
    try {
      assertEquals((double) acknowledged * BATCH, ProcessDurabilityTest.totalCount(service));
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
      assertTrue(String.valueOf(e.getStatus().getDescription()).contains(problem), e.getStatus().toString());
    }
  }

  private static void assertRefusedNaming(String problem, StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    assertTrue(code == Status.Code.UNAVAILABLE || code == Status.Code.RESOURCE_EXHAUSTED, e.getStatus().toString());
    assertTrue(String.valueOf(e.getStatus().getDescription()).contains(problem), e.getStatus().toString());
  }

  private static StatusRuntimeException assertThrowsStatus(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  private static AssertionError assertThrowsAssertion(Runnable call) {
    try {
      call.run();
    } catch (AssertionError e) {
      return e;
    }
    throw new AssertionError("the service started");
  }

  private StatusRuntimeException ingestUntilRefused(ServiceProcess service) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (int b = 20; System.nanoTime() < deadline; b++) {
      try {
        ingest(service, b);
      } catch (StatusRuntimeException e) {
        return e;
      }
    }
    throw new AssertionError("ingest still acknowledged on a full disk after " + acknowledged + " batches");
  }

  private IngestSignalsResponse ingest(ServiceProcess service, int batch) {
    IngestSignalsRequest.Builder request = IngestSignalsRequest.newBuilder();
    for (int i = 0; i < BATCH; i++) {
      request.addSignals(TestSignalsServer.number("e-" + batch + "-" + i, "acct-" + (i % ACCOUNTS), "logins", 1, AT));
    }
    sent = Math.max(sent, batch + 1);
    IngestSignalsResponse response =
        SignalServiceGrpc.newBlockingStub(service.channel())
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .ingestSignals(request.build());
    assertEquals(BATCH, response.getAccepted() + response.getDuplicates());
    acknowledged++;
    return response;
  }

}
