package io.healthscore.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * signals-service in a JVM with a small fixed heap, fed long event ids and distinct users from
 * several callers, far more distinct ids than the former in-memory id index could hold at this heap:
 * every id is accepted once (the dedup window is on disk), any push-back is RESOURCE_EXHAUSTED with
 * RetryInfo for rollups waiting for a checkpoint and never for the ids, a resend is all duplicates,
 * and the service stays SERVING without running out of memory.
 */
class SmallHeapProcessTest {
  private static final int CALLERS = 6;
  private static final int BATCH = 5_000;
  /**
   * 1.8 million ids: the former index held HEALTHSCORE_INGEST_MEMORY_BUDGET / 80 ids, about 1.3
   * million at 40% of a 256 MiB heap, and refused every batch past them.
   */
  private static final int BATCHES_PER_CALLER = 60;

  @TempDir Path dir;

  @Test
  void remembersMoreIdsThanTheHeapCouldHoldAndKeepsServing() throws Exception {
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
      AtomicLong pushedBack = new AtomicLong();
      List<String> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
      Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofHours(12));
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
                    for (int b = 0; b < BATCHES_PER_CALLER && unexpected.isEmpty(); ) {
                      try {
                        IngestSignalsResponse r =
                            stub.withDeadlineAfter(60, TimeUnit.SECONDS).ingestSignals(batch(caller, b, day));
                        accepted.addAndGet(r.getAccepted());
                        b++;
                      } catch (StatusRuntimeException e) {
                        if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED && hasRetryInfo(e)
                            && !e.getStatus().getDescription().contains("event id")) {
                          pushedBack.incrementAndGet();
                          sleep(Duration.ofMillis(500)); // then the same batch again
                        } else {
                          unexpected.add(e.getStatus().toString());
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
      assertEquals(List.of(), unexpected, "every call is answered OK or pushed back for rollups with RetryInfo");
      assertEquals((long) CALLERS * BATCHES_PER_CALLER * BATCH, accepted.get(),
          "every distinct id accepted once (" + pushedBack.get() + " push-backs retried)");
      IngestSignalsResponse resent =
          SignalServiceGrpc.newBlockingStub(service.channel())
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .ingestSignals(batch(0, 0, day));
      assertEquals(0, resent.getAccepted(), "the first batch, sent again at the end, is all duplicates");
      assertEquals(BATCH, resent.getDuplicates());
      assertTrue(service.isAlive(), "no OutOfMemoryError");
      assertEquals(
          ServingStatus.SERVING,
          service.health());
    }
  }

  /** Batch {@code b} of {@code caller}: 100-character event ids and a distinct user per signal. */
  private static IngestSignalsRequest batch(int caller, int b, Instant day) {
    String padding = "x".repeat(90);
    IngestSignalsRequest.Builder batch = IngestSignalsRequest.newBuilder();
    for (int i = 0; i < BATCH; i++) {
      String id = padding + "-" + caller + "-" + b + "-" + i;
      batch.addSignals(
          TestSignalsServer.number(id, "acct-" + (i % 50), "m" + (i % 40), 1, day).toBuilder()
              .setUserId("user-" + caller + "-" + b + "-" + i));
    }
    return batch.build();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean hasRetryInfo(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    return status != null && status.getDetailsList().stream().anyMatch(d -> d.is(RetryInfo.class));
  }
}
