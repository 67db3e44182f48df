package io.healthscore.demo;

import io.healthscore.cli.local.Suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.healthscore.alerting.channel.WebhookSignature;
import io.healthscore.runtime.client.Channels;
import io.healthscore.v1.Account;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.AlertingServiceGrpc.AlertingServiceBlockingStub;
import io.healthscore.v1.Band;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.Condition;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.NotifyStep;
import io.healthscore.v1.PlaybookStep;
import io.healthscore.v1.PutChannelRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.Rule;
import io.healthscore.v1.ScoreDropCondition;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.Severity;
import io.healthscore.v1.SignalCondition;
import io.healthscore.v1.SignalConditionKind;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.SignalServiceGrpc.SignalServiceBlockingStub;
import io.healthscore.v1.SubscribeAlertsRequest;
import io.healthscore.v1.SubscribeAlertsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import io.healthscore.v1.WatchScoresRequest;
import io.healthscore.v1.WatchScoresResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole alert path with the three real services in one JVM on default settings: a downturn
 * batch goes into signals-service, scoring-service rescores the account and publishes the red
 * score, alerting-service opens an alert and delivers it to a signed webhook. Timed from the
 * IngestSignals call returning to the webhook receiving that account's alert, per account.
 *
 * <p>Two passes over different accounts: paced (one downturn every {@code benchmark.paceMs},
 * latency without a backlog) and flood (every remaining downturn back to back from one caller:
 * throughput, and latency under that load). Streams on WatchScores and SubscribeAlerts time the
 * intermediate steps, so a slow step shows where the time goes. Baseline in the same run: the same
 * receiver hit by a JDK HttpClient POST of the same signed body.
 *
 * <p>{@code cd demo && mvn -q -B -o -Pbenchmark test -Dtest=AlertPathBenchmark#signalToWebhook}
 * (knobs: -Dbenchmark.accounts=300 -Dbenchmark.paced=60 -Dbenchmark.paceMs=250). {@link #alertFlood}
 * is the flood of many accounts turning at once.
 */
@Tag("benchmark")
class AlertPathBenchmark {
  private static final String SECRET = "bench-secret";
  /** Fires from the signals feed alone: the downturn's failed payments. */
  private static final String PAYMENT_RULE = "bench-payment-failed";
  /** Fires from the score: signals -> scoring rescore -> WatchScores -> alerting. */
  private static final String DROP_RULE = "bench-score-drop";
  private static final double DROP_POINTS = 1.0;
  private static final List<String> RULES = List.of(PAYMENT_RULE, DROP_RULE);
  private static final Pattern ACCOUNT = Pattern.compile("\"account_id\":\"([^\"]+)\"");
  private static final Pattern RULE_ID = Pattern.compile("\"rule_id\":\"([^\"]+)\"");
  private static final Pattern KIND = Pattern.compile("\"kind\":\"([^\"]+)\"");
  private static final Pattern OPENED_AT = Pattern.compile("\"opened_at\":\"([^\"]+)\"");

  @TempDir Path dataRoot;

  /** When each step of one account's downturn happened, in System.nanoTime(). */
  private static final class Timeline {
    volatile long sent;
    volatile long returned;
    /** The score before the downturn. */
    volatile double before;
    /** The first WatchScores change at least DROP_POINTS below {@code before}. */
    final AtomicLong scoreDropped = new AtomicLong();
    final Map<String, AtomicLong> opened = Map.of(PAYMENT_RULE, new AtomicLong(), DROP_RULE, new AtomicLong());
    final Map<String, AtomicLong> webhook = Map.of(PAYMENT_RULE, new AtomicLong(), DROP_RULE, new AtomicLong());

    boolean complete() {
      return RULES.stream().allMatch(r -> webhook.get(r).get() != 0);
    }

    long lastWebhook() {
      return RULES.stream().mapToLong(r -> webhook.get(r).get()).max().orElseThrow();
    }
  }

  private final Map<String, Timeline> timelines = new ConcurrentHashMap<>();
  private volatile String sampleBody;

  @Test
  void signalToWebhook() throws Exception {
    int accountCount = Integer.getInteger("benchmark.accounts", 300);
    int pacedCount = Integer.getInteger("benchmark.paced", 60);
    long paceMs = Long.getLong("benchmark.paceMs", 250);
    Map<String, String> env = Map.of("HEALTHSCORE_WEBHOOK_ALLOWLIST", "127.0.0.1");

    try (Suite suite = Suite.start(dataRoot, env, false);
        WebhookReceiver receiver = WebhookReceiver.start(SECRET, this::onWebhook)) {
      ManagedChannel signalsChannel = Channels.forAddress("localhost:" + suite.signalsPort());
      ManagedChannel scoringChannel = Channels.forAddress("localhost:" + suite.scoringPort());
      ManagedChannel alertingChannel = Channels.forAddress("localhost:" + suite.alertingPort());
      try {
        SignalServiceBlockingStub signals = SignalServiceGrpc.newBlockingStub(signalsChannel);
        AlertingServiceBlockingStub alerting = AlertingServiceGrpc.newBlockingStub(alertingChannel);
        webhookAndPaymentRule(alerting, receiver);
        putRule(alerting, DROP_RULE, Condition.newBuilder().setScoreDrop(ScoreDropCondition.newBuilder()
            .setPoints(DROP_POINTS).setWithinDays(1)).build());

        // Healthy history: every account thriving for 90 days, so it scores green.
        long prepareStart = System.nanoTime();
        Instant now = Instant.now();
        DemoData data = new DemoData(now, 90, 11);
        List<Account> accounts = data.accounts(accountCount);
        signals.withDeadlineAfter(60, TimeUnit.SECONDS)
            .upsertAccounts(UpsertAccountsRequest.newBuilder().addAllAccounts(accounts).build());
        long signalCount = 0;
        for (Account account : accounts) {
          var batch = data.history(account, DemoData.Profile.THRIVING);
          signalCount += batch.size();
          signals.withDeadlineAfter(60, TimeUnit.SECONDS)
              .ingestSignals(IngestSignalsRequest.newBuilder().addAllSignals(batch).setAtomic(true).build());
        }
        List<String> ids = accounts.stream().map(Account::getAccountId).toList();
        List<HealthScore> before = awaitScores(scoringChannel, ids);
        List<String> green = before.stream().filter(s -> s.getBand() == Band.BAND_GREEN)
            .map(HealthScore::getAccountId).toList();
        for (HealthScore score : before) {
          timelines.computeIfAbsent(score.getAccountId(), id -> new Timeline()).before = score.getScore();
        }
        System.out.printf(Locale.ROOT, "prepared %d accounts, %,d signals in %.1f s; bands %s%n",
            accountCount, signalCount, (System.nanoTime() - prepareStart) / 1e9,
            before.stream().collect(java.util.stream.Collectors.groupingBy(HealthScore::getBand,
                java.util.stream.Collectors.counting())));
        assertTrue(green.size() >= accountCount * 3 / 4, "most accounts start green: " + green.size());
        int alertsBefore = alertCount(alerting);

        diagnostics = id -> "alerts: " + alerting.listAlerts(ListAlertsRequest.newBuilder().setAccountId(id).build())
            + "\ndeliveries: " + alerting.listDeliveries(io.healthscore.v1.ListDeliveriesRequest.newBuilder()
                .setPageSize(5).build())
            + "\nscore: " + ScoringServiceGrpc.newBlockingStub(scoringChannel).batchGetScores(
                BatchGetScoresRequest.newBuilder().addAccountIds(id).build()).getScores(0).getScore();
        watchScores(scoringChannel);
        subscribeAlerts(alertingChannel);

        // Warm-up on a few accounts, excluded from the results.
        int warmup = Math.min(10, green.size() / 10);
        List<String> warmupIds = green.subList(0, warmup);
        for (String id : warmupIds) {
          downturn(signals, data, id);
          Thread.sleep(paceMs);
        }
        awaitWebhooks(warmupIds);

        List<String> paced = green.subList(warmup, Math.min(green.size(), warmup + pacedCount));
        for (String id : paced) {
          long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(paceMs);
          downturn(signals, data, id);
          long left = due - System.nanoTime();
          if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
          }
        }
        awaitWebhooks(paced);

        List<String> flood = green.subList(warmup + paced.size(), green.size());
        for (String id : flood) {
          downturn(signals, data, id);
        }
        awaitWebhooks(flood);

        long[] baseline = baseline(receiver.url(), 2000);
        long[] features = featuresLatency(signals, green, 300);

        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "alerts before the downturns: %d%n", alertsBefore));
        report.append(section("paced, one downturn every " + paceMs + " ms", paced));
        report.append(section("flood, back to back from one caller", flood));
        long firstSent = flood.stream().mapToLong(id -> timelines.get(id).sent).min().orElseThrow();
        long lastReturned = flood.stream().mapToLong(id -> timelines.get(id).returned).max().orElseThrow();
        report.append(String.format(Locale.ROOT, "flood: %d downturns sent in %.2f s (%.0f/s)%n",
            flood.size(), (lastReturned - firstSent) / 1e9, flood.size() / ((lastReturned - firstSent) / 1e9)));
        for (String rule : RULES) {
          long last = flood.stream().mapToLong(id -> timelines.get(id).webhook.get(rule).get()).max().orElseThrow();
          report.append(String.format(Locale.ROOT, "flood: %s alerts delivered %.1f/s (%d in %.2f s from the first send)%n",
              rule, flood.size() / ((last - firstSent) / 1e9), flood.size(), (last - firstSent) / 1e9));
        }
        long lastAny = flood.stream().mapToLong(id -> timelines.get(id).lastWebhook()).max().orElseThrow();
        report.append(String.format(Locale.ROOT, "flood: both rules together %.1f alerts/s%n",
            2 * flood.size() / ((lastAny - firstSent) / 1e9)));
        report.append(String.format(Locale.ROOT,
            "baseline: JDK HttpClient POST of the same %d-byte signed body to the same receiver, %d sequential: "
                + "p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
            sampleBody.length(), baseline.length, pct(baseline, 50) / 1e6, pct(baseline, 99) / 1e6,
            baseline[baseline.length - 1] / 1e6));
        report.append(String.format(Locale.ROOT,
            "upstream: GetFeatures of one account (what alerting asks signals-service per evaluation), %d sequential: "
                + "p50 %.1f ms, p99 %.1f ms%n",
            features.length, pct(features, 50) / 1e6, pct(features, 99) / 1e6));
        for (String rule : RULES) {
          long[] total = stage(paced, t -> t.webhook.get(rule).get() - t.returned);
          report.append(String.format(Locale.ROOT, "ratio %s paced (returned -> webhook) / baseline: p50 %.0fx, p99 %.0fx%n",
              rule, (double) pct(total, 50) / pct(baseline, 50), (double) pct(total, 99) / pct(baseline, 99)));
        }
        System.out.print(report);

        assertEquals(alertsBefore + 2 * (warmup + paced.size() + flood.size()), alertCount(alerting),
            "one alert per rule and downturned account");
        assertTrue(receiver.deliveries().stream().allMatch(WebhookReceiver.Delivery::signatureValid));
      } finally {
        signalsChannel.shutdownNow();
        scoringChannel.shutdownNow();
        alertingChannel.shutdownNow();
      }
    }
  }

  /**
   * Alert flood: {@code benchmark.floodAccounts} accounts (default 10,000) turn at once: a failed
   * payment for every one of them arrives in back-to-back IngestSignals calls of 1,000, and
   * alerting opens one alert per account and delivers it to the webhook. Reports alerts delivered
   * per second from the first call to the last delivery, and beside it the rate of the baseline in
   * the same run: the same receiver hit by a plain loop of JDK HttpClient POSTs of the same body.
   *
   * <p>{@code cd demo && mvn -q -B -o -Pbenchmark test -Dtest=AlertPathBenchmark#alertFlood}
   */
  @Test
  void alertFlood() throws Exception {
    int accountCount = Integer.getInteger("benchmark.floodAccounts", 10_000);
    Map<String, String> env = Map.of("HEALTHSCORE_WEBHOOK_ALLOWLIST", "127.0.0.1");
    Map<String, Long> delivered = new ConcurrentHashMap<>();
    Map<String, Instant> openedAt = new ConcurrentHashMap<>();
    try (Suite suite = Suite.start(dataRoot, env, false);
        WebhookReceiver receiver = WebhookReceiver.start(SECRET, d -> {
          if (PAYMENT_RULE.equals(group(RULE_ID, d.body())) && "opened".equals(group(KIND, d.body()))) {
            sampleBody = d.body();
            delivered.putIfAbsent(group(ACCOUNT, d.body()), d.receivedNanos());
            openedAt.putIfAbsent(group(ACCOUNT, d.body()), Instant.parse(group(OPENED_AT, d.body())));
          }
        })) {
      ManagedChannel signalsChannel = Channels.forAddress("localhost:" + suite.signalsPort());
      ManagedChannel alertingChannel = Channels.forAddress("localhost:" + suite.alertingPort());
      try {
        SignalServiceBlockingStub signals = SignalServiceGrpc.newBlockingStub(signalsChannel);
        AlertingServiceBlockingStub alerting = AlertingServiceGrpc.newBlockingStub(alertingChannel);
        webhookAndPaymentRule(alerting, receiver);
        DemoData data = new DemoData(Instant.now(), 90, 11);
        List<Account> accounts = data.accounts(accountCount + 1);
        for (int from = 0; from < accounts.size(); from += 1000) {
          signals.withDeadlineAfter(60, TimeUnit.SECONDS).upsertAccounts(UpsertAccountsRequest.newBuilder()
              .addAllAccounts(accounts.subList(from, Math.min(accounts.size(), from + 1000))).build());
        }
        // A first account's alert: once it arrives, the feeds have passed every account edit above.
        String marker = accounts.get(accountCount).getAccountId();
        paymentFailed(signals, List.of(marker));
        long settle = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!delivered.containsKey(marker)) {
          assertTrue(System.nanoTime() < settle, "the marker account's alert did not arrive");
          Thread.sleep(20);
        }

        List<String> ids = accounts.subList(0, accountCount).stream().map(Account::getAccountId).toList();
        Map<String, Long> returned = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        Instant startWall = Instant.now();
        for (int from = 0; from < ids.size(); from += 1000) {
          List<String> part = ids.subList(from, Math.min(ids.size(), from + 1000));
          paymentFailed(signals, part);
          long at = System.nanoTime();
          part.forEach(id -> returned.put(id, at));
        }
        long sent = System.nanoTime();
        long deadline = sent + TimeUnit.SECONDS.toNanos(Long.getLong("benchmark.waitSeconds", 300));
        // The marker's and each flooded account's first delivery: a count, not a scan of 10,000 ids
        // every 20 ms, which took a tenth of the machine's CPU from the services measured.
        while (delivered.size() < ids.size() + 1) {
          assertTrue(System.nanoTime() < deadline, (ids.size() + 1 - delivered.size()) + " alerts did not arrive");
          Thread.sleep(20);
        }
        long last = ids.stream().mapToLong(delivered::get).max().orElseThrow();
        long[] latency = ids.stream().mapToLong(id -> delivered.get(id) - returned.get(id)).sorted().toArray();
        double alertsPerSecond = accountCount / ((last - start) / 1e9);
        long[] baseline = baseline(receiver.url(), 2000);
        double baselinePerSecond = baseline.length / (Arrays.stream(baseline).sum() / 1e9);
        System.out.printf(Locale.ROOT,
            "alert flood: %d accounts turning at once, signals sent in %.2f s; %d alerts delivered in %.2f s from the "
                + "first call: %.0f alerts/s; call returned -> webhook p50 %.0f ms, p99 %.0f ms, max %.0f ms%n"
                + "baseline: %d sequential JDK HttpClient POSTs of the same %d-byte body to the same receiver: "
                + "%.0f/s (p50 %.2f ms); ratio flood / baseline %.3f%n",
            accountCount, (sent - start) / 1e9, accountCount, (last - start) / 1e9, alertsPerSecond,
            pct(latency, 50) / 1e6, pct(latency, 99) / 1e6, latency[latency.length - 1] / 1e6,
            baseline.length, sampleBody.length(), baselinePerSecond, pct(baseline, 50) / 1e6,
            alertsPerSecond / baselinePerSecond);
        // When alerts opened (the alert's opened_at, wall clock) and reached the webhook, from the first
        // call: which of evaluation and delivery paced the flood.
        long[] opened = ids.stream().mapToLong(id -> Duration.between(startWall, openedAt.get(id)).toNanos())
            .sorted().toArray();
        long[] arrived = ids.stream().mapToLong(id -> delivered.get(id) - start).sorted().toArray();
        System.out.printf(Locale.ROOT, "from the first call, s (first / p10 / p50 / p90 / last): alert opened %s; "
            + "webhook received %s%n", spread(opened), spread(arrived));
        assertEquals(accountCount + 1, alertCount(alerting), "one alert per account");
        assertTrue(receiver.deliveries().stream().allMatch(WebhookReceiver.Delivery::signatureValid));
      } finally {
        signalsChannel.shutdownNow();
        alertingChannel.shutdownNow();
      }
    }
  }

  /** One failed payment a minute ago for each account, in one call. */
  private static void paymentFailed(SignalServiceBlockingStub signals, List<String> accountIds) {
    Instant at = Instant.now().minusSeconds(60);
    IngestSignalsRequest.Builder request = IngestSignalsRequest.newBuilder();
    for (String id : accountIds) {
      request.addSignals(io.healthscore.v1.Signal.newBuilder().setEventId("flood-" + id).setAccountId(id)
          .setMetric("billing.payment_failed").setNumber(1).setSource("billing")
          .setOccurredAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(at.getEpochSecond())));
    }
    var response = signals.withDeadlineAfter(60, TimeUnit.SECONDS).ingestSignals(request.build());
    assertEquals(accountIds.size(), response.getAccepted());
  }

  private void downturn(SignalServiceBlockingStub signals, DemoData data, String accountId) {
    var batch = data.downturn(accountId);
    Timeline t = timelines.computeIfAbsent(accountId, id -> new Timeline());
    t.sent = System.nanoTime();
    var response = signals.withDeadlineAfter(30, TimeUnit.SECONDS)
        .ingestSignals(IngestSignalsRequest.newBuilder().addAllSignals(batch).setAtomic(true).build());
    t.returned = System.nanoTime();
    assertEquals(batch.size(), response.getAccepted());
  }

  private void onWebhook(WebhookReceiver.Delivery delivery) {
    String body = delivery.body();
    String rule = group(RULE_ID, body);
    if (!RULES.contains(rule) || !"opened".equals(group(KIND, body))) {
      return;
    }
    sampleBody = body;
    Timeline t = timelines.get(group(ACCOUNT, body));
    if (t != null && t.sent != 0) {
      t.webhook.get(rule).compareAndSet(0, delivery.receivedNanos());
    }
  }

  private static String group(Pattern p, String body) {
    Matcher m = p.matcher(body);
    return m.find() ? m.group(1) : null;
  }

  private void watchScores(ManagedChannel scoring) {
    ScoringServiceGrpc.newStub(scoring).watchScores(WatchScoresRequest.getDefaultInstance(),
        new StreamObserver<WatchScoresResponse>() {
          @Override
          public void onNext(WatchScoresResponse r) {
            Timeline t = timelines.get(r.getChange().getAccountId());
            if (t != null && t.sent != 0 && r.getChange().getCurrent().getScore() <= t.before - DROP_POINTS) {
              t.scoreDropped.compareAndSet(0, System.nanoTime());
            }
          }

          @Override
          public void onError(Throwable e) {}

          @Override
          public void onCompleted() {}
        });
  }

  private void subscribeAlerts(ManagedChannel alerting) {
    AlertingServiceGrpc.newStub(alerting).subscribeAlerts(SubscribeAlertsRequest.getDefaultInstance(),
        new StreamObserver<SubscribeAlertsResponse>() {
          @Override
          public void onNext(SubscribeAlertsResponse r) {
            var event = r.getEvent();
            Timeline t = timelines.get(event.getAlert().getAccountId());
            String rule = event.getAlert().getRuleId();
            if (t != null && t.sent != 0 && event.getKind() == AlertEventKind.ALERT_EVENT_KIND_OPENED
                && RULES.contains(rule)) {
              t.opened.get(rule).compareAndSet(0, System.nanoTime());
            }
          }

          @Override
          public void onError(Throwable e) {}

          @Override
          public void onCompleted() {}
        });
  }

  private static List<HealthScore> awaitScores(ManagedChannel scoring, List<String> ids) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    List<Double> previous = List.of();
    while (true) {
      List<HealthScore> scores = new ArrayList<>();
      for (int from = 0; from < ids.size(); from += 500) {
        scores.addAll(ScoringServiceGrpc.newBlockingStub(scoring).withDeadlineAfter(30, TimeUnit.SECONDS)
            .batchGetScores(BatchGetScoresRequest.newBuilder()
                .addAllAccountIds(ids.subList(from, Math.min(ids.size(), from + 500))).build())
            .getScoresList());
      }
      // Settled: every account scored and nothing changed over the last poll.
      List<Double> values = scores.stream().map(HealthScore::getScore).toList();
      if (scores.size() == ids.size() && scores.stream().noneMatch(HealthScore::getNoData)
          && values.equals(previous)) {
        return scores;
      }
      previous = values;
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + scores.size() + " of " + ids.size() + " accounts scored");
      }
      Thread.sleep(1000);
    }
  }

  /** What alerting knows of an account whose alert did not arrive, for the failure message. */
  private java.util.function.Function<String, String> diagnostics = id -> "";

  private void awaitWebhooks(List<String> ids) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("benchmark.waitSeconds", 180));
    while (ids.stream().anyMatch(id -> !timelines.get(id).complete())) {
      if (System.nanoTime() > deadline) {
        List<String> missing = ids.stream().filter(id -> !timelines.get(id).complete()).toList();
        Timeline t = timelines.get(missing.get(0));
        throw new AssertionError(missing.size() + " accounts' alerts did not all reach the webhook, e.g. "
            + missing.get(0) + " (score dropped: " + (t.scoreDropped.get() != 0) + ", opened: " + t.opened
            + ", webhook: " + t.webhook + ")\n" + diagnostics.apply(missing.get(0)));
      }
      Thread.sleep(20);
    }
  }

  /** Latencies in nanoseconds of {@code count} GetFeatures calls on the given accounts, in turn. */
  private static long[] featuresLatency(SignalServiceBlockingStub signals, List<String> ids, int count) {
    long[] took = new long[count];
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      signals.withDeadlineAfter(10, TimeUnit.SECONDS)
          .getFeatures(GetFeaturesRequest.newBuilder().setAccountId(ids.get(i % ids.size())).build());
      took[i] = System.nanoTime() - start;
    }
    Arrays.sort(took);
    return took;
  }

  /** Latencies in nanoseconds of {@code count} POSTs of the sample body, after as many for warm-up. */
  private long[] baseline(String url, int count) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long[] took = new long[count];
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < count; i++) {
        long now = Instant.now().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .header(WebhookSignature.IDEMPOTENCY_HEADER, "baseline-" + round + "-" + i)
            .header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(now))
            .header(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(SECRET, now, sampleBody))
            .POST(HttpRequest.BodyPublishers.ofString(sampleBody))
            .build();
        long start = System.nanoTime();
        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
        took[i] = System.nanoTime() - start;
        assertEquals(200, response.statusCode());
      }
    }
    Arrays.sort(took);
    return took;
  }

  private interface Step {
    long nanos(Timeline t);
  }

  private long[] stage(List<String> ids, Step step) {
    long[] values = ids.stream().map(timelines::get).mapToLong(step::nanos).sorted().toArray();
    return values;
  }

  private String section(String title, List<String> ids) {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s, %d accounts (ms: p50 / p99 / max)%n",
        title, ids.size()));
    Map<String, Step> steps = new LinkedHashMap<>();
    steps.put("IngestSignals call (sent -> returned)", t -> t.returned - t.sent);
    steps.put(PAYMENT_RULE + ": returned -> alert opened", t -> t.opened.get(PAYMENT_RULE).get() - t.returned);
    steps.put(PAYMENT_RULE + ": opened -> webhook", t -> t.webhook.get(PAYMENT_RULE).get() - t.opened.get(PAYMENT_RULE).get());
    steps.put(PAYMENT_RULE + ": TOTAL returned -> webhook", t -> t.webhook.get(PAYMENT_RULE).get() - t.returned);
    steps.put(DROP_RULE + ": returned -> score change", t -> t.scoreDropped.get() - t.returned);
    steps.put(DROP_RULE + ": score change -> alert opened", t -> t.opened.get(DROP_RULE).get() - t.scoreDropped.get());
    steps.put(DROP_RULE + ": opened -> webhook", t -> t.webhook.get(DROP_RULE).get() - t.opened.get(DROP_RULE).get());
    steps.put(DROP_RULE + ": TOTAL returned -> webhook", t -> t.webhook.get(DROP_RULE).get() - t.returned);
    steps.put("both: TOTAL sent -> last webhook", t -> t.lastWebhook() - t.sent);
    for (Map.Entry<String, Step> step : steps.entrySet()) {
      long[] v = stage(ids, step.getValue());
      s.append(String.format(Locale.ROOT, "  %-52s %8.1f / %8.1f / %8.1f%n", step.getKey(),
          pct(v, 50) / 1e6, pct(v, 99) / 1e6, v[v.length - 1] / 1e6));
    }
    return s.toString();
  }

  /** The signed webhook channel and the rule that fires on a failed payment, notifying it. */
  private static void webhookAndPaymentRule(AlertingServiceBlockingStub alerting, WebhookReceiver receiver) {
    alerting.putChannel(PutChannelRequest.newBuilder().setChannel(Channel.newBuilder()
        .setChannelId("bench-webhook").setType(ChannelType.CHANNEL_TYPE_WEBHOOK)
        .setUrl(receiver.url()).setSecret(SECRET)).build());
    putRule(alerting, PAYMENT_RULE, Condition.newBuilder().setSignal(SignalCondition.newBuilder()
        .setKind(SignalConditionKind.SIGNAL_CONDITION_KIND_PAYMENT_FAILED).setDays(1)).build());
  }

  private static void putRule(AlertingServiceBlockingStub alerting, String ruleId, Condition condition) {
    alerting.putRule(PutRuleRequest.newBuilder().setRule(Rule.newBuilder()
        .setRuleId(ruleId).setSeverity(Severity.SEVERITY_CRITICAL).setCondition(condition)
        .addPlaybook(PlaybookStep.newBuilder().setNotify(NotifyStep.newBuilder().setChannelId("bench-webhook"))))
        .build());
  }

  private static int alertCount(AlertingServiceBlockingStub alerting) {
    int count = 0;
    String token = "";
    do {
      var page = alerting.listAlerts(ListAlertsRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
      count += page.getAlertsCount();
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return count;
  }

  private static String spread(long[] sorted) {
    return String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.2f / %.2f", sorted[0] / 1e9, pct(sorted, 10) / 1e9,
        pct(sorted, 50) / 1e9, pct(sorted, 90) / 1e9, sorted[sorted.length - 1] / 1e9);
  }

  /** Nearest-rank percentile of sorted values. */
  private static long pct(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
