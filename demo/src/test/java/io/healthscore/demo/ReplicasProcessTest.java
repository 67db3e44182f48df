package io.healthscore.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.healthscore.alerting.AlertingServiceMain;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.FeedLease;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.healthscore.runtime.testing.ServiceProcess;
import io.healthscore.scoring.ScoringServiceMain;
import io.healthscore.scoring.replica.ReplicaSync;
import io.healthscore.signals.SignalsServiceMain;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.Band;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ScoreChange;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.SetOverrideRequest;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.SubscribeAlertsRequest;
import io.healthscore.v1.SubscribeAlertsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import io.healthscore.v1.WatchScoresRequest;
import io.healthscore.v1.WatchScoresResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas on one PostgreSQL, as processes on loopback: one signals-service, two scoring-service
 * and two alerting-service replicas. Signals flow, a client watches each replica, and halfway
 * through the downturns the replica applying each feed is killed with SIGKILL. Every replica's
 * cache follows changes made through another, every watcher sees the same changes with the same
 * cursors (resuming on the surviving replica), and every downturn yields exactly one alert and
 * one webhook delivery in effect.
 */
class ReplicasProcessTest {
  private static final int ACCOUNTS = 12;
  private static final int DOWNTURNS = 8;
  private static final String SECRET = "replica-secret";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void replicasShareChangesAndSurviveTheKillOfTheFeedHolders() throws Exception {
    Optional<String> pg = PostgresTestSupport.jdbcUrl();
    Assumptions.assumeTrue(pg.isPresent(), "no PostgreSQL reachable (outside CI)");
    String scoringDb = PostgresTestSupport.freshSchema(pg.get());
    String alertingDb = PostgresTestSupport.freshSchema(pg.get());
    List<ServiceProcess> processes = new ArrayList<>();
    try (WebhookReceiver receiver = WebhookReceiver.start(SECRET, d -> {})) {
      ServiceProcess signals = start(processes, "signals", SignalsServiceMain.class.getName(), Map.of(
          ServiceConfig.DATA_DIR, dir.resolve("signals").toString(),
          "HEALTHSCORE_FEED_COALESCE_WINDOW", "50ms"));
      String signalsAddr = "127.0.0.1:" + signals.grpcPort();
      upsertAccounts(signals.channel());
      for (int i = 0; i < ACCOUNTS; i++) {
        ingest(signals.channel(), level(i, 8, Instant.now().minusSeconds(3600), "base"));
      }

      Map<String, String> scoringEnv = new HashMap<>(Map.of(
          ServiceConfig.DB_URL, scoringDb,
          ServiceConfig.SIGNALS_ADDR, signalsAddr,
          ServiceConfig.CONFIG_DIR, scoringConfig().toString(),
          FeedLease.TTL, "2s",
          ReplicaSync.POLL_INTERVAL, "100ms"));
      ServiceProcess scoringA = start(processes, "scoring-a", ScoringServiceMain.class.getName(), scoringEnv);
      await("scoring-a holds the feed lease", () -> scoringA.output().contains("holds scoring-service.signals-feed"));
      ServiceProcess scoringB = start(processes, "scoring-b", ScoringServiceMain.class.getName(), scoringEnv);

      // Every account scored green, and replica B serves what replica A computed.
      for (int i = 0; i < ACCOUNTS; i++) {
        String id = account(i);
        awaitScore(scoringB.channel(), id, s -> !s.getNoData() && s.getBand() == Band.BAND_GREEN);
      }

      Map<String, String> alertingEnv = new HashMap<>(Map.of(
          ServiceConfig.DB_URL, alertingDb,
          ServiceConfig.SIGNALS_ADDR, signalsAddr,
          ServiceConfig.SCORING_ADDR, "127.0.0.1:" + scoringB.grpcPort(),
          ServiceConfig.CONFIG_DIR, alertingConfig(receiver.url()).toString(),
          ServiceConfig.WEBHOOK_ALLOWLIST, "127.0.0.1",
          FeedLease.TTL, "2s",
          "HEALTHSCORE_DELIVERY_POLL_INTERVAL", "200ms",
          "HEALTHSCORE_DELIVERY_BACKOFF_BASE", "100ms"));
      ServiceProcess alertingA = start(processes, "alerting-a", AlertingServiceMain.class.getName(), alertingEnv);
      await("alerting-a holds the score feed lease", () -> alertingA.output().contains("holds alerting.scores"));
      ServiceProcess alertingB = start(processes, "alerting-b", AlertingServiceMain.class.getName(), alertingEnv);

      Watch<ScoreChange> scoresOnA = watchScores(scoringA.channel());
      Watch<ScoreChange> scoresOnB = watchScores(scoringB.channel());
      Watch<AlertEvent> alertsOnA = subscribeAlerts(alertingA.channel());
      Watch<AlertEvent> alertsOnB = subscribeAlerts(alertingB.channel());

      // An override set through A is served by B (its cache follows A's change).
      String overridden = account(ACCOUNTS - 1);
      ScoringServiceGrpc.newBlockingStub(scoringA.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
          .setOverride(SetOverrideRequest.newBuilder().setAccountId(overridden).setScore(9.5)
              .setReason("renewal signed early").build());
      awaitScore(scoringB.channel(), overridden, s -> s.hasOverride() && Math.abs(s.getScore() - 9.5) < 1e-9);

      // Downturns, and halfway through the replicas applying the feeds die.
      for (int i = 0; i < DOWNTURNS; i++) {
        ingest(signals.channel(), level(i, 1, Instant.now(), "down"));
        if (i == DOWNTURNS / 2 - 1) {
          Thread.sleep(300); // let the feeds be busy with them
          scoringA.kill9();
          alertingA.kill9();
        }
      }
      scoresOnA.resumeOn(scoringB.channel());
      alertsOnA.resumeOn(alertingB.channel());

      Set<String> downturned = new TreeSet<>();
      for (int i = 0; i < DOWNTURNS; i++) {
        downturned.add(account(i));
        awaitScore(scoringB.channel(), account(i), s -> s.getBand() == Band.BAND_RED);
      }
      await("one webhook delivery per downturn",
          () -> receiver.deliveries().stream().map(WebhookReceiver.Delivery::idempotencyKey).distinct().count()
              >= DOWNTURNS);

      List<Alert> alerts = AlertingServiceGrpc.newBlockingStub(alertingB.channel())
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listAlerts(ListAlertsRequest.newBuilder().setRuleId("turned-red").setPageSize(1000).build())
          .getAlertsList();
      Map<String, Long> alertsPerAccount =
          alerts.stream().collect(Collectors.groupingBy(Alert::getAccountId, Collectors.counting()));
      assertEquals(downturned, alertsPerAccount.keySet(), "an alert for every downturned account, no other");
      alertsPerAccount.forEach((account, n) -> assertEquals(1L, n, "alerts of " + account));

      Thread.sleep(2000); // a delivery sent twice would have arrived by now
      List<WebhookReceiver.Delivery> deliveries = receiver.deliveries();
      assertTrue(deliveries.stream().allMatch(WebhookReceiver.Delivery::signatureValid), "every delivery is signed");
      Map<String, Long> perKey = deliveries.stream()
          .collect(Collectors.groupingBy(WebhookReceiver.Delivery::idempotencyKey, Collectors.counting()));
      assertEquals(DOWNTURNS, perKey.size(), "one delivery in effect per alert: " + perKey);
      for (Alert alert : alerts) {
        assertTrue(perKey.keySet().stream().anyMatch(k -> k.startsWith(alert.getAlertId())),
            "the delivery of " + alert.getAlertId() + " arrived: " + perKey.keySet());
      }

      // Whichever replica a watcher reached, it saw the same changes under the same cursors.
      long lastScore = scoresOnB.awaitQuiet();
      scoresOnA.awaitCursor(lastScore);
      assertEquals(scoresOnB.items(), scoresOnA.items(), "WatchScores on A (resumed on B) and on B");
      assertTrue(scoresOnB.items().stream().anyMatch(c -> c.getAccountId().equals(overridden)
          && c.getCurrent().hasOverride()), "the override is a score change");
      for (int i = 0; i < ACCOUNTS; i++) {
        String id = account(i);
        assertEquals(1, scoresOnB.items().stream().filter(c -> c.getAccountId().equals(id) && !c.hasPrevious()).count(),
            "the first score of " + id + " is published once");
        assertEquals(downturned.contains(id) ? 1 : 0, scoresOnB.items().stream()
                .filter(c -> c.getAccountId().equals(id) && c.getCurrent().getBand() == Band.BAND_RED).count(),
            "the downturn of " + id + " is published once");
      }
      assertStrictlyIncreasing(scoresOnB.cursors());
      long lastAlert = alertsOnB.awaitQuiet();
      alertsOnA.awaitCursor(lastAlert);
      assertEquals(alertsOnB.items(), alertsOnA.items(), "SubscribeAlerts on A (resumed on B) and on B");
      assertEquals(DOWNTURNS, alertsOnB.items().size(), "one alert event per downturn");
      assertStrictlyIncreasing(alertsOnB.cursors());
    } finally {
      processes.forEach(ServiceProcess::close);
    }
  }

  private ServiceProcess start(List<ServiceProcess> processes, String name, String main, Map<String, String> env) {
    ServiceProcess.Builder b = ServiceProcess.builder(main).logFile(dir.resolve(name + ".log"))
        .jvmArg("-Xmx256m").startTimeout(Duration.ofSeconds(90));
    env.forEach(b::env);
    b.env(FeedLease.REPLICA_ID, name); // processes on one host share its HOSTNAME
    ServiceProcess p = b.start();
    processes.add(p);
    return p;
  }

  private Path scoringConfig() throws Exception {
    Path config = dir.resolve("scoring-config");
    Files.createDirectories(config.resolve("scorecards"));
    Files.writeString(config.resolve("scorecards/level.yaml"), """
        scorecard_id: level
        name: Health level
        is_default: true
        components:
          - component_id: level
            weight: 1
            measures:
              - measure_id: value
                feature: health.level.last
                weight: 1
                thresholds:
                  below_points: 1
                  thresholds: [{at: 5, points: 9}]
        """);
    return config;
  }

  private Path alertingConfig(String webhookUrl) throws Exception {
    Path config = dir.resolve("alerting-config");
    Files.createDirectories(config.resolve("rules"));
    Files.createDirectories(config.resolve("channels"));
    Files.writeString(config.resolve("channels/hook.yaml"),
        "channel_id: hook\ntype: CHANNEL_TYPE_WEBHOOK\nurl: " + webhookUrl + "\nsecret: " + SECRET + "\n");
    Files.writeString(config.resolve("rules/turned-red.yaml"), """
        rule_id: turned-red
        condition: {band_transition: {to: [BAND_RED]}}
        playbook: [{notify: {channel_id: hook}}]
        """);
    return config;
  }

  private static String account(int i) {
    return String.format("replica-acct-%02d", i);
  }

  private static void upsertAccounts(ManagedChannel signals) {
    UpsertAccountsRequest.Builder request = UpsertAccountsRequest.newBuilder();
    for (int i = 0; i < ACCOUNTS; i++) {
      request.addAccounts(Account.newBuilder().setAccountId(account(i)).setName("Account " + i).setSegment("smb"));
    }
    SignalServiceGrpc.newBlockingStub(signals).withDeadlineAfter(10, TimeUnit.SECONDS).upsertAccounts(request.build());
  }

  private static Signal level(int i, double value, Instant at, String tag) {
    return Signal.newBuilder().setEventId(account(i) + "-" + tag).setAccountId(account(i)).setMetric("health.level")
        .setNumber(value).setOccurredAt(Timestamps.fromMillis(at.toEpochMilli())).setSource("test").build();
  }

  private static void ingest(ManagedChannel signals, Signal signal) {
    var response = SignalServiceGrpc.newBlockingStub(signals).withDeadlineAfter(30, TimeUnit.SECONDS)
        .ingestSignals(IngestSignalsRequest.newBuilder().addSignals(signal).build());
    assertEquals(1, response.getAccepted());
  }

  private static HealthScore awaitScore(ManagedChannel scoring, String id, Predicate<HealthScore> until)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    HealthScore last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = ScoringServiceGrpc.newBlockingStub(scoring).withDeadlineAfter(5, TimeUnit.SECONDS)
            .getScore(GetScoreRequest.newBuilder().setAccountId(id).build()).getScore();
        if (until.test(last)) {
          return last;
        }
      } catch (StatusRuntimeException e) {
        // not known yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("score of " + id + " never matched; last " + last);
  }

  private static void await(String what, BooleanSupplier condition) {
    Await.until(what, WAIT, condition);
  }

  private static void assertStrictlyIncreasing(List<Long> cursors) {
    for (int i = 1; i < cursors.size(); i++) {
      assertTrue(cursors.get(i) > cursors.get(i - 1), "cursors increase: " + cursors);
    }
  }

  private static Watch<ScoreChange> watchScores(ManagedChannel channel) {
    Watch<ScoreChange> w = new Watch<>(ScoreChange::getCursor,
        (ch, cursor, o) -> ScoringServiceGrpc.newStub(ch).watchScores(
            WatchScoresRequest.newBuilder().setAfterCursor(cursor).build(), new Adapter<>(o, WatchScoresResponse::getChange)));
    w.open(channel);
    return w;
  }

  private static Watch<AlertEvent> subscribeAlerts(ManagedChannel channel) {
    Watch<AlertEvent> w = new Watch<>(AlertEvent::getCursor,
        (ch, cursor, o) -> AlertingServiceGrpc.newStub(ch).subscribeAlerts(
            SubscribeAlertsRequest.newBuilder().setAfterCursor(cursor).build(), new Adapter<>(o, SubscribeAlertsResponse::getEvent)));
    w.open(channel);
    return w;
  }

  /** Unwraps a stream's responses. */
  private record Adapter<R, T>(StreamObserver<T> target, Function<R, T> unwrap)
      implements StreamObserver<R> {
    @Override public void onNext(R value) { target.onNext(unwrap.apply(value)); }
    @Override public void onError(Throwable t) { target.onError(t); }
    @Override public void onCompleted() { target.onCompleted(); }
  }

  /** A client of one resumable stream: what it received, and reopening it elsewhere from its last cursor. */
  private static final class Watch<T> implements StreamObserver<T> {
    interface Opener<T> {
      void open(ManagedChannel channel, long afterCursor, StreamObserver<T> observer);
    }

    private final ToLongFunction<T> cursorOf;
    private final Opener<T> opener;
    private final List<T> items = new CopyOnWriteArrayList<>();
    private volatile boolean ended;

    Watch(ToLongFunction<T> cursorOf, Opener<T> opener) {
      this.cursorOf = cursorOf;
      this.opener = opener;
    }

    void open(ManagedChannel channel) {
      ended = false;
      opener.open(channel, lastCursor(), this);
    }

    /** The replica it watched died: open the stream on another one, after the last cursor received. */
    void resumeOn(ManagedChannel channel) throws InterruptedException {
      await("the stream to end with its replica", () -> ended);
      open(channel);
    }

    long lastCursor() {
      return items.isEmpty() ? 0 : cursorOf.applyAsLong(items.get(items.size() - 1));
    }

    List<T> items() {
      return List.copyOf(items);
    }

    List<Long> cursors() {
      return items.stream().map(cursorOf::applyAsLong).toList();
    }

    /** Waits until nothing new arrived for a few seconds; returns the last cursor. */
    long awaitQuiet() throws InterruptedException {
      int size;
      do {
        size = items.size();
        Thread.sleep(3000);
      } while (items.size() != size);
      return lastCursor();
    }

    void awaitCursor(long cursor) throws InterruptedException {
      await("cursor " + cursor, () -> lastCursor() >= cursor);
    }

    @Override public void onNext(T value) { items.add(value); }
    @Override public void onError(Throwable t) { ended = true; }
    @Override public void onCompleted() { ended = true; }
  }
}
