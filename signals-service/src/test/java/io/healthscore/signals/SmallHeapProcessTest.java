package io.healthscore.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.ServiceProcess;
import io.healthscore.signals.ingest.IngestSettings;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.SignalServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * signals-service in a JVM with a small fixed heap, fed long event ids and distinct users from
 * several callers until its memory budget is reached: it answers RESOURCE_EXHAUSTED with RetryInfo,
 * stays SERVING and answers every call, instead of running out of memory and hanging.
 */
class SmallHeapProcessTest {
  private static final int CALLERS = 6;
  private static final int BATCH = 5_000;
  /** Far more than the budget of a 256 MiB heap holds (about 1.3 million ids). */
  private static final int MAX_BATCHES_PER_CALLER = 120;

  @TempDir Path dir;

  @Test
  void answersResourceExhaustedInsteadOfRunningOutOfMemory() throws Exception {
    try (ServiceProcess service =
        ServiceProcess.builder(SignalsServiceMain.class.getName())
            .env(ServiceConfig.DATA_DIR, dir.resolve("data").toString())
            .env("HEALTHSCORE_AUTO_CREATE_ACCOUNTS", "true")
            .env(IngestSettings.CHECKPOINT_INTERVAL, "2s")
            .jvmArg("-Xmx256m")
            .jvmArg("-XX:+ExitOnOutOfMemoryError")
            .logFile(dir.resolve("service.log"))
            .start()) {
      AtomicLong accepted = new AtomicLong();
      AtomicLong exhausted = new AtomicLong();
      AtomicBoolean budgetReached = new AtomicBoolean();
      List<String> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
      Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofHours(12));
      String padding = "x".repeat(90);
      ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
      try {
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
          int caller = c;
          running.add(
              callers.submit(
                  () -> {
                    SignalServiceGrpc.SignalServiceBlockingStub stub =
                        SignalServiceGrpc.newBlockingStub(service.channel());
                    for (int b = 0; b < MAX_BATCHES_PER_CALLER && !budgetReached.get(); b++) {
                      IngestSignalsRequest.Builder batch = IngestSignalsRequest.newBuilder();
                      for (int i = 0; i < BATCH; i++) {
                        String id = padding + "-" + caller + "-" + b + "-" + i;
                        batch.addSignals(
                            TestSignalsServer.number(id, "acct-" + (i % 50), "m" + (i % 40), 1, day).toBuilder()
                                .setUserId("user-" + caller + "-" + b + "-" + i));
                      }
                      try {
                        IngestSignalsResponse r =
                            stub.withDeadlineAfter(60, TimeUnit.SECONDS).ingestSignals(batch.build());
                        accepted.addAndGet(r.getAccepted());
                      } catch (StatusRuntimeException e) {
                        if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED && hasRetryInfo(e)) {
                          exhausted.incrementAndGet();
                          budgetReached.set(true);
                        } else {
                          unexpected.add(e.getStatus().toString());
                          return;
                        }
                      }
                    }
                  }));
        }
        for (Future<?> f : running) {
          f.get(10, TimeUnit.MINUTES);
        }
      } finally {
        callers.shutdownNow();
      }
      assertEquals(List.of(), unexpected, "every call is answered OK or RESOURCE_EXHAUSTED with RetryInfo");
      assertTrue(exhausted.get() > 0, "the budget was reached after " + accepted.get() + " signals");
      assertTrue(service.isAlive(), "no OutOfMemoryError");
      assertEquals(
          ServingStatus.SERVING,
          HealthGrpc.newBlockingStub(service.channel())
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus());
    }
  }

  private static boolean hasRetryInfo(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    return status != null && status.getDetailsList().stream().anyMatch(d -> d.is(RetryInfo.class));
  }
}
