package io.healthscore.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.DiskFaultContract;
import io.healthscore.runtime.testing.ServiceProcess;
import io.healthscore.signals.ingest.IngestSettings;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.SignalServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * signals-service's log and embedded H2 on a disk that fills up or turns read-only; a write is a
 * batch of signals of an account of its own, so each batch's count reads back alone: once, or not.
 */
class DiskFaultProcessTest extends DiskFaultContract {
  private static final int BATCH = 1_000;
  private static final String METRIC = "logins";
  private static final Instant AT = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofHours(12));

  /** Writes attempted, acknowledged or not: the accounts {@link #stored} looks at. */
  private int attempted;

  @Override
  protected String mainClass() {
    return SignalsServiceMain.class.getName();
  }

  @Override
  protected ServiceProcess start(ServiceProcess.Builder jvm, Path dataDir) {
    return jvm.env(ServiceConfig.DATA_DIR, dataDir.toString())
        .env("HEALTHSCORE_AUTO_CREATE_ACCOUNTS", "true")
        .env(IngestSettings.CHECKPOINT_INTERVAL, "500ms")
        .start();
  }

  @Override
  protected void write(ServiceProcess service, int n) {
    attempted = Math.max(attempted, n + 1);
    IngestSignalsRequest.Builder request = IngestSignalsRequest.newBuilder();
    for (int i = 0; i < BATCH; i++) {
      request.addSignals(TestSignalsServer.number("e-" + n + "-" + i, account(n), METRIC, 1, AT));
    }
    IngestSignalsResponse response = SignalServiceGrpc.newBlockingStub(service.channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS).ingestSignals(request.build());
    assertEquals(BATCH, response.getAccepted() + response.getDuplicates(), response.toString());
  }

  /** The batches whose account counts every signal once; a batch counted in part or twice fails. */
  @Override
  protected Set<Integer> stored(ServiceProcess service) {
    BatchGetFeaturesRequest.Builder request = BatchGetFeaturesRequest.newBuilder();
    for (int n = 0; n < attempted; n++) {
      request.addAccountIds(account(n));
    }
    Set<Integer> stored = new TreeSet<>();
    for (GetFeaturesResponse account : SignalServiceGrpc.newBlockingStub(service.channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS).batchGetFeatures(request.build()).getAccountsList()) {
      double counted = account.getFeaturesOrDefault(METRIC + ".count_7d", 0);
      int n = Integer.parseInt(account.getAccountId().substring("disk-".length()));
      assertTrue(counted == 0 || counted == BATCH, "batch " + n + " counted " + counted + " times");
      if (counted == BATCH) {
        stored.add(n);
      }
    }
    return stored;
  }

  /** A full log may also push back as RESOURCE_EXHAUSTED, as long as it names the disk. */
  @Override
  protected void assertRefusal(String problem, StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    assertTrue(code == Status.Code.UNAVAILABLE || code == Status.Code.RESOURCE_EXHAUSTED, e.getStatus().toString());
    assertNames(problem, e);
  }

  /**
   * Reads answer from what is stored, unless the embedded database closed itself after its own
   * write failed (which of the log and the checkpoint meets the disk first is a race): then they
   * are UNAVAILABLE naming the disk problem, never INTERNAL.
   */
  @Override
  protected void whileTheDiskFails(ServiceProcess service, String problem) {
    try {
      stored(service);
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
      assertNames(problem, e);
    }
  }

  /** The log cannot take back a write that failed half way: ingest stays stopped until a restart. */
  @Override
  protected void onceSpaceIsFreed(ServiceProcess service) {
    try {
      write(service, attempted);
    } catch (StatusRuntimeException e) {
      assertNames("No space left on device", e);
      return;
    }
    throw new AssertionError("ingest resumed on the failed log without a restart");
  }

  @Override
  protected boolean refusesToStartOnAFullDisk() {
    return true;
  }

  private static String account(int n) {
    return "disk-" + n;
  }
}
