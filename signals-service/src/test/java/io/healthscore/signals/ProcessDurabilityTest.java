package io.healthscore.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.ServiceProcess;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.StreamSignalsRequest;
import io.healthscore.v1.StreamSignalsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** signals-service in a JVM of its own: kill -9 in the middle of a stream loses no acknowledged signal. */
class ProcessDurabilityTest {
  private static final int ACCOUNTS = 10;
  private static final int BATCHES = 200;
  private static final int BATCH_SIZE = 1000;
  private static final int KILL_AFTER_ACKS = 80;

  @TempDir Path dir;

  private ServiceProcess start() {
    return ServiceProcess.builder(SignalsServiceMain.class.getName())
        .env(ServiceConfig.DATA_DIR, dir.resolve("data").toString())
        .jvmArg("-Xmx512m")
        .logFile(dir.resolve("service-" + System.nanoTime() + ".log"))
        .start();
  }

  private static List<StreamSignalsRequest> batches() {
    // Yesterday noon: counted by features as of now, whatever the time of day.
    Instant at = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofHours(12));
    List<StreamSignalsRequest> batches = new ArrayList<>(BATCHES);
    for (int b = 0; b < BATCHES; b++) {
      StreamSignalsRequest.Builder batch = StreamSignalsRequest.newBuilder().setBatchId("b" + b);
      for (int i = 0; i < BATCH_SIZE; i++) {
        batch.addSignals(
            TestSignalsServer.number("e-" + b + "-" + i, "acct-" + (i % ACCOUNTS), "logins", 1, at).toBuilder()
                .setUserId("u" + (i % 7)));
      }
      batches.add(batch.build());
    }
    return batches;
  }

  /** Streams the batches; {@code onAck} sees each acknowledgement. Returns when the stream ends. */
  private static CompletableFuture<Throwable> stream(
      ServiceProcess service, List<StreamSignalsRequest> batches, List<StreamSignalsResponse> acks, CountDownLatch ackLatch) {
    CompletableFuture<Throwable> done = new CompletableFuture<>();
    StreamObserver<StreamSignalsRequest> requests =
        SignalServiceGrpc.newStub(service.channel())
            .withDeadlineAfter(120, TimeUnit.SECONDS)
            .streamSignals(
                new StreamObserver<>() {
                  @Override
                  public void onNext(StreamSignalsResponse ack) {
                    acks.add(ack);
                    ackLatch.countDown();
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.complete(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    for (StreamSignalsRequest batch : batches) {
      requests.onNext(batch);
    }
    requests.onCompleted();
    return done;
  }

  /** Sum of logins.count_7d over acct-0..acct-9. */
  static double totalCount(ServiceProcess service) {
    BatchGetFeaturesRequest.Builder request = BatchGetFeaturesRequest.newBuilder();
    for (int a = 0; a < ACCOUNTS; a++) {
      request.addAccountIds("acct-" + a);
    }
    double total = 0;
    for (GetFeaturesResponse f :
        SignalServiceGrpc.newBlockingStub(service.channel())
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .batchGetFeatures(request.build())
            .getAccountsList()) {
      total += f.getFeaturesOrDefault("logins.count_7d", 0);
    }
    return total;
  }

  @Test
  void killNineMidStreamLosesNoAcknowledgedSignal() throws Exception {
    List<StreamSignalsRequest> batches = batches();
    List<StreamSignalsResponse> acks = new CopyOnWriteArrayList<>();
    try (ServiceProcess first = start()) {
      UpsertAccountsRequest.Builder accounts = UpsertAccountsRequest.newBuilder();
      for (int a = 0; a < ACCOUNTS; a++) {
        accounts.addAccounts(Account.newBuilder().setAccountId("acct-" + a));
      }
      SignalServiceGrpc.newBlockingStub(first.channel()).withDeadlineAfter(30, TimeUnit.SECONDS).upsertAccounts(accounts.build());
      CountDownLatch enoughAcks = new CountDownLatch(KILL_AFTER_ACKS);
      stream(first, batches, acks, enoughAcks);
      assertTrue(enoughAcks.await(120, TimeUnit.SECONDS), "acks so far: " + acks.size());
      first.kill9();
    }
    List<StreamSignalsResponse> acked = List.copyOf(acks);
    assertTrue(acked.size() >= KILL_AFTER_ACKS && acked.size() < BATCHES, "killed mid-stream after " + acked.size());
    long ackedSignals = acked.stream().mapToLong(StreamSignalsResponse::getAccepted).sum();
    assertEquals((long) acked.size() * BATCH_SIZE, ackedSignals);

    try (ServiceProcess second = start()) {
      assertTrue(totalCount(second) >= ackedSignals, "every acknowledged signal is counted after the crash");

      List<StreamSignalsResponse> resent = new CopyOnWriteArrayList<>();
      CompletableFuture<Throwable> done = stream(second, batches, resent, new CountDownLatch(0));
      assertEquals(null, done.get(120, TimeUnit.SECONDS));
      assertEquals(BATCHES, resent.size());
      for (int b = 0; b < BATCHES; b++) {
        StreamSignalsResponse ack = resent.get(b);
        assertEquals("b" + b, ack.getBatchId());
        assertEquals(BATCH_SIZE, ack.getAccepted() + ack.getDuplicates());
        if (b < acked.size()) {
          assertEquals(BATCH_SIZE, ack.getDuplicates(), "acknowledged batch " + b + " is all duplicates");
        }
      }
      assertEquals((double) BATCHES * BATCH_SIZE, totalCount(second));

      healthAndMetricsAreServedToOtherProcesses(second);
    }
  }

  private static void healthAndMetricsAreServedToOtherProcesses(ServiceProcess service) throws Exception {
    HealthCheckResponse health =
        HealthGrpc.newBlockingStub(service.channel())
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService("healthscore.v1.SignalService").build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
    HttpResponse<String> metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.metricsPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, metrics.statusCode());
    for (String name :
        List.of(
            "healthscore_signals_ingested_total",
            "healthscore_signals_duplicates_total",
            "grpc_server_requests_seconds_bucket",
            "healthscore_signals_batch_size_count",
            "healthscore_change_feed_lag_seconds_count")) {
      assertTrue(metrics.body().contains(name), name + " missing from /metrics");
    }
  }
}
