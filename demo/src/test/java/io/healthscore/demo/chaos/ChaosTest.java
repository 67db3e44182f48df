package io.healthscore.demo.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.healthscore.alerting.AlertingServiceMain;
import io.healthscore.demo.HealthLevelScorecard;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.healthscore.runtime.testing.ServiceProcess;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.scoring.ScoringServiceMain;
import io.healthscore.signals.SignalsServiceMain;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.Band;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ListAlertsResponse;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.UpsertAccountsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three services as processes of their own, each SIGKILLed in turn and restarted while a
 * producer ingests steadily and alerts flow to a webhook receiver (docs/reliability.md, "Chaos").
 * Afterwards every acknowledged signal is stored once, every score is current, every alert that
 * should exist exists once, and every delivery arrived (repeats only under their idempotency key).
 *
 * <pre>
 * mvn -B test -Pbenchmark -pl demo -am -Dtest=ChaosTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     [-Dchaos.accounts=10000] [-Dchaos.kills=21] [-Dchaos.signalsPerSecond=1000]
 * </pre>
 */
@Tag("benchmark")
class ChaosTest {
  private static final int ACCOUNTS = Integer.getInteger("chaos.accounts", 10_000);
  private static final int KILLS = Integer.getInteger("chaos.kills", 21);
  /**
   * The producer's steady rate: the run is about kills, not about how much ingest takes; flat out,
   * the producer met RESOURCE_EXHAUSTED past its retries (BENCHMARKS.md, "Chaos").
   */
  private static final int SIGNALS_PER_SECOND = Integer.getInteger("chaos.signalsPerSecond", 1_000);
  /** Every twentieth account turns red in the last round; the rest stay green. */
  private static final int RED_EVERY = 20;
  private static final int BATCH = 1_000;

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"embedded", "postgres"})
  void everyServiceKilledInTurnLosesNothing(String storage) throws Exception {
    Map<String, String> dbUrls = new HashMap<>();
    if (storage.equals("postgres")) {
      String url = PostgresTestSupport.jdbcUrl().orElse(null);
      org.junit.jupiter.api.Assumptions.assumeTrue(url != null, "no PostgreSQL here");
      for (String service : List.of("signals", "scoring", "alerting")) {
        dbUrls.put(service, PostgresTestSupport.freshSchema(url));
      }
    }
    try (WebhookReceiver receiver = new WebhookReceiver(); Cluster cluster = new Cluster(dir, dbUrls, receiver)) {
      cluster.startAll();
      List<String> accounts = new ArrayList<>();
      for (int i = 0; i < ACCOUNTS; i++) {
        accounts.add(String.format("chaos-%05d", i));
      }
      upsert(cluster, accounts);

      Producer producer = new Producer(cluster, accounts);
      Thread producing = new Thread(producer, "producer");
      producing.start();
      String[] order = {"signals", "scoring", "alerting"};
      long started = System.nanoTime();
      for (int kill = 0; kill < KILLS; kill++) {
        Thread.sleep(1_500);
        if (kill == KILLS / 3) {
          producer.turnRed.set(true);
        }
        cluster.killAndRestart(order[kill % order.length]);
      }
      producer.stop.set(true);
      producing.join(TimeUnit.MINUTES.toMillis(5));
      if (producer.failure != null) {
        throw new AssertionError("the producer stopped: " + producer.failure, producer.failure);
      }
      assertTrue(producer.redRoundSent.get(), "the producer never sent the red round");
      System.out.printf("%s: %d kills in %.0f s while %d signals were acknowledged%n", storage, KILLS,
          (System.nanoTime() - started) / 1e9, producer.acknowledged.get());

      verifySignals(cluster, accounts, producer);
      verifyScoresAlertsAndDeliveries(cluster, accounts, receiver);
    }
  }

  private static void upsert(Cluster cluster, List<String> accounts) {
    for (int from = 0; from < accounts.size(); from += BATCH) {
      UpsertAccountsRequest.Builder request = UpsertAccountsRequest.newBuilder();
      for (String id : accounts.subList(from, Math.min(accounts.size(), from + BATCH))) {
        request.addAccounts(Account.newBuilder().setAccountId(id).setName(id).setMrr(100));
      }
      retry(() -> SignalServiceGrpc.newBlockingStub(cluster.channel("signals")).withDeadlineAfter(30, TimeUnit.SECONDS)
          .upsertAccounts(request.build()));
    }
  }

  /** Sends rounds of signals, each batch again until acknowledged, through every kill. */
  private static final class Producer implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicBoolean turnRed = new AtomicBoolean();
    final AtomicBoolean redRoundSent = new AtomicBoolean();
    final AtomicInteger acknowledged = new AtomicInteger();
    final Map<String, Integer> ticksSent = new ConcurrentHashMap<>();
    private final Cluster cluster;
    private final List<String> accounts;
    private final Instant base = Instant.now().minusSeconds(3_600);
    volatile Throwable failure;

    Producer(Cluster cluster, List<String> accounts) {
      this.cluster = cluster;
      this.accounts = accounts;
    }

    @Override
    public void run() {
      try {
        produce();
      } catch (RuntimeException | Error e) {
        failure = e;
      }
    }

    private void produce() {
      int round = 0;
      long roundNanos = TimeUnit.SECONDS.toNanos(2L * accounts.size()) / SIGNALS_PER_SECOND;
      while (!stop.get() || !redRoundSent.get()) {
        long roundStarted = System.nanoTime();
        boolean red = turnRed.get() || stop.get();
        for (int from = 0; from < accounts.size(); from += BATCH / 2) {
          IngestSignalsRequest.Builder batch = IngestSignalsRequest.newBuilder();
          for (String id : accounts.subList(from, Math.min(accounts.size(), from + BATCH / 2))) {
            int index = Integer.parseInt(id.substring(id.indexOf('-') + 1));
            double health = red && index % RED_EVERY == 0 ? 1 : 9;
            Timestamp at = Timestamp.newBuilder().setSeconds(base.getEpochSecond() + round).build();
            batch.addSignals(Signal.newBuilder().setEventId("tick-" + id + "-" + round).setAccountId(id)
                .setMetric("ticks").setNumber(1).setOccurredAt(at));
            batch.addSignals(Signal.newBuilder().setEventId("health-" + id + "-" + round).setAccountId(id)
                .setMetric("health").setNumber(health).setOccurredAt(at));
          }
          IngestSignalsResponse response = retry(() -> SignalServiceGrpc.newBlockingStub(cluster.channel("signals"))
              .withDeadlineAfter(30, TimeUnit.SECONDS).ingestSignals(batch.build()));
          assertEquals(0, response.getRejectedCount(), () -> "rejected: " + response.getRejectedList());
          acknowledged.addAndGet(batch.getSignalsCount());
          for (Signal s : batch.getSignalsList()) {
            if (s.getMetric().equals("ticks")) {
              ticksSent.merge(s.getAccountId(), 1, Integer::sum);
            }
          }
        }
        if (red) {
          redRoundSent.set(true);
        }
        round++;
        long rest = roundStarted + roundNanos - System.nanoTime();
        if (rest > 0 && !stop.get()) {
          LockSupport.parkNanos(rest);
        }
      }
    }
  }

  private static void verifySignals(Cluster cluster, List<String> accounts, Producer producer) {
    FeatureProjection projection = FeatureProjection.newBuilder().addNames("ticks.sum_7d").addNames("health.last").build();
    Map<String, Double> ticks = new HashMap<>();
    for (int from = 0; from < accounts.size(); from += BATCH) {
      List<String> ids = accounts.subList(from, Math.min(accounts.size(), from + BATCH));
      BatchGetFeaturesResponse response = retry(() -> SignalServiceGrpc.newBlockingStub(cluster.channel("signals"))
          .withDeadlineAfter(60, TimeUnit.SECONDS)
          .batchGetFeatures(BatchGetFeaturesRequest.newBuilder().addAllAccountIds(ids).setProjection(projection).build()));
      assertEquals(0, response.getRemainingAccountIdsCount(), "a projected batch of two features fits one response");
      for (GetFeaturesResponse account : response.getAccountsList()) {
        ticks.put(account.getAccountId(), account.getFeaturesOrDefault("ticks.sum_7d", 0));
      }
    }
    int wrong = 0;
    for (String id : accounts) {
      if (ticks.getOrDefault(id, 0.0).doubleValue() != producer.ticksSent.getOrDefault(id, 0).intValue()) {
        wrong++;
      }
    }
    assertEquals(0, wrong, "accounts whose acknowledged signals are not each stored once");
  }

  private static void verifyScoresAlertsAndDeliveries(Cluster cluster, List<String> accounts, WebhookReceiver receiver) {
    Set<String> red = new HashSet<>();
    for (String id : accounts) {
      if (Integer.parseInt(id.substring(id.indexOf('-') + 1)) % RED_EVERY == 0) {
        red.add(id);
      }
    }
    Await.until("every score current: the red accounts red, the rest green", Duration.ofMinutes(5), () -> {
      for (int from = 0; from < accounts.size(); from += BATCH / 2) {
        List<String> ids = accounts.subList(from, Math.min(accounts.size(), from + BATCH / 2));
        List<HealthScore> scores;
        try {
          scores = ScoringServiceGrpc.newBlockingStub(cluster.channel("scoring")).withDeadlineAfter(30, TimeUnit.SECONDS)
              .batchGetScores(BatchGetScoresRequest.newBuilder().addAllAccountIds(ids).build()).getScoresList();
        } catch (StatusRuntimeException e) {
          return false;
        }
        if (scores.size() != ids.size()) {
          return false;
        }
        for (HealthScore s : scores) {
          if (s.getBand() != (red.contains(s.getAccountId()) ? Band.BAND_RED : Band.BAND_GREEN)) {
            return false;
          }
        }
      }
      return true;
    });
    Await.until("one alert per red account, and its delivery", Duration.ofMinutes(5), () -> {
      List<Alert> alerts = alerts(cluster);
      Set<String> alerted = new HashSet<>();
      for (Alert a : alerts) {
        alerted.add(a.getAccountId());
      }
      return alerted.equals(red) && receiver.acceptedKeys().size() >= red.size();
    });
    List<Alert> alerts = alerts(cluster);
    assertEquals(red.size(), alerts.size(), "an alert was raised twice, or for a green account");
    Set<String> expectedKeys = new HashSet<>();
    for (Alert a : alerts) {
      expectedKeys.add(a.getAlertId() + "/ALERT_EVENT_KIND_OPENED");
    }
    assertEquals(expectedKeys, receiver.acceptedKeys(), "deliveries differ from the alerts raised");
    Set<String> keysSeen = new HashSet<>();
    for (WebhookReceiver.Request request : receiver.requests()) {
      keysSeen.add(request.header("Idempotency-Key"));
    }
    assertEquals(expectedKeys, keysSeen, "a delivery went out without its alert's idempotency key");
    System.out.printf("%d alerts, %d webhook requests (%d repeats under the same key)%n", alerts.size(),
        receiver.requests().size(), receiver.requests().size() - expectedKeys.size());
  }

  private static List<Alert> alerts(Cluster cluster) {
    List<Alert> all = new ArrayList<>();
    String token = "";
    do {
      String page = token;
      ListAlertsResponse response = retry(() -> AlertingServiceGrpc.newBlockingStub(cluster.channel("alerting"))
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .listAlerts(ListAlertsRequest.newBuilder().setPageSize(1000).setPageToken(page).build()));
      all.addAll(response.getAlertsList());
      token = response.getNextPageToken();
    } while (!token.isEmpty());
    return all;
  }

  /** Calls again while the service is down or starting (UNAVAILABLE, DEADLINE_EXCEEDED). */
  private static <T> T retry(Supplier<T> call) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (true) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        switch (e.getStatus().getCode()) {
          case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, CANCELLED -> {
            if (System.nanoTime() > deadline) {
              throw e;
            }
            try {
              Thread.sleep(200);
            } catch (InterruptedException interrupted) {
              Thread.currentThread().interrupt();
              throw e;
            }
          }
          default -> throw e;
        }
      }
    }
  }

  /** The three services on fixed ports, so a restarted one is found where it was. */
  private static final class Cluster implements AutoCloseable {
    private final Path dir;
    private final Map<String, Map<String, String>> env = new HashMap<>();
    private final Map<String, String> mains = Map.of(
        "signals", SignalsServiceMain.class.getName(),
        "scoring", ScoringServiceMain.class.getName(),
        "alerting", AlertingServiceMain.class.getName());
    private final Map<String, ServiceProcess> running = new ConcurrentHashMap<>();
    private final Map<String, Integer> starts = new HashMap<>();

    Cluster(Path dir, Map<String, String> dbUrls, WebhookReceiver receiver) throws Exception {
      this.dir = dir;
      Map<String, Integer> ports = Map.of("signals", ServiceProcess.freePort(), "scoring", ServiceProcess.freePort(),
          "alerting", ServiceProcess.freePort());
      Path scoringConfig = Files.createDirectories(dir.resolve("scoring-config/scorecards"));
      Files.writeString(scoringConfig.resolve("chaos.yaml"), HealthLevelScorecard.yaml("chaos"));
      Path alertingConfig = dir.resolve("alerting-config");
      Files.createDirectories(alertingConfig.resolve("rules"));
      Files.createDirectories(alertingConfig.resolve("channels"));
      Files.writeString(alertingConfig.resolve("channels/hook.yaml"),
          "channel_id: hook\ntype: CHANNEL_TYPE_WEBHOOK\nurl: " + receiver.url() + "\nsecret: chaos-secret\n");
      Files.writeString(alertingConfig.resolve("rules/red.yaml"), """
          rule_id: red
          condition: {band_transition: {to: [BAND_RED]}}
          playbook: [{notify: {channel_id: hook}}]
          """);
      for (String service : mains.keySet()) {
        Map<String, String> e = new HashMap<>();
        e.put(ServiceConfig.GRPC_PORT, String.valueOf(ports.get(service)));
        e.put(ServiceConfig.METRICS_PORT, String.valueOf(ServiceProcess.freePort()));
        e.put(ServiceConfig.DATA_DIR, dir.resolve("data-" + service).toString());
        e.put(ServiceConfig.SIGNALS_ADDR, "127.0.0.1:" + ports.get("signals"));
        e.put(ServiceConfig.SCORING_ADDR, "127.0.0.1:" + ports.get("scoring"));
        if (dbUrls.containsKey(service)) {
          e.put(ServiceConfig.DB_URL, dbUrls.get(service));
        }
        env.put(service, e);
      }
      env.get("scoring").put(ServiceConfig.CONFIG_DIR, dir.resolve("scoring-config").toString());
      env.get("alerting").put(ServiceConfig.CONFIG_DIR, alertingConfig.toString());
      env.get("alerting").put(ServiceConfig.WEBHOOK_ALLOWLIST, "127.0.0.1");
      env.get("alerting").put("HEALTHSCORE_DELIVERY_BACKOFF_BASE", "100ms");
      env.get("alerting").put("HEALTHSCORE_DELIVERY_POLL_INTERVAL", "200ms");
    }

    void startAll() {
      for (String service : List.of("signals", "scoring", "alerting")) {
        start(service);
      }
    }

    ManagedChannel channel(String service) {
      return running.get(service).channel();
    }

    void killAndRestart(String service) {
      running.get(service).kill9();
      start(service);
    }

    private void start(String service) {
      int n = starts.merge(service, 1, Integer::sum);
      ServiceProcess.Builder builder = ServiceProcess.builder(mains.get(service))
          .jvmArg("-Xmx512m")
          .logFile(dir.resolve(service + "-" + n + ".log"))
          // A JVM start on a busy machine can take minutes; a slow start is not what this checks.
          .startTimeout(Duration.ofMinutes(5));
      env.get(service).forEach(builder::env);
      ServiceProcess previous = running.put(service, builder.start());
      if (previous != null) {
        previous.close();
      }
    }

    @Override
    public void close() {
      running.values().forEach(ServiceProcess::close);
    }
  }
}
