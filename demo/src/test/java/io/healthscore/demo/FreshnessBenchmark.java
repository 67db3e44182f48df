package io.healthscore.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.scoring.ScoringServer;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.support.MetricsText;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ScoringContext;
import io.healthscore.scoring.engine.SegmentDistributions;
import io.healthscore.scoring.scoring.FeatureDemand;
import io.healthscore.scoring.upstream.AccountInfo;
import io.healthscore.scoring.upstream.SignalsClient;
import io.healthscore.signals.SignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.Band;
import io.healthscore.v1.BandCutoffs;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.Component;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.LinearMapping;
import io.healthscore.v1.Measure;
import io.healthscore.v1.PutScorecardRequest;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.StreamSignalsRequest;
import io.healthscore.v1.StreamSignalsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Freshness end to end: N accounts × M metrics × D days of signals streamed into a real
 * signals-service (StreamSignals, day by day, every account each day, as a daily export arrives),
 * scoring-service following its change feed; timed from the last acknowledgement until every
 * account's score reflects all its data. Then a wave (one signal per account and metric, every
 * account's score moves) gives the feed's rate in accounts/s, beside the engine alone scoring the
 * same accounts' snapshots in the same run (the ratio). Both services run in this JVM on loopback
 * ports with their production settings, built by their server classes.
 *
 * <p>{@code cd demo && mvn -B -o -Pbenchmark test -Dtest=FreshnessBenchmark -DargLine=-Xmx6g}
 * (knobs -Dbenchmark.accounts=5000 -Dbenchmark.metrics=40 -Dbenchmark.days=30
 * -Dbenchmark.measures=20).
 */
@Tag("benchmark")
class FreshnessBenchmark {
  static final int ACCOUNTS = Integer.getInteger("benchmark.accounts", 5_000);
  static final int METRICS = Integer.getInteger("benchmark.metrics", 40);
  static final int DAYS = Integer.getInteger("benchmark.days", 30);
  /** Metrics the scorecard reads, each through its 30-day sum. */
  static final int MEASURES = Integer.getInteger("benchmark.measures", 20);
  static final int BATCH = 10_000;
  static final int WINDOW = 8;
  static final long DAY = Duration.ofDays(1).toMillis();

  @TempDir Path dir;

  static final String[] IDS = BenchmarkAccounts.ids(ACCOUNTS);

  static String id(int i) {
    return IDS[i];
  }

  /** The value of every daily signal of account {@code i}: 1 to 9, so its score is 1 + 0.9 × value. */
  static double value(int i) {
    return 1 + i % 9;
  }

  /**
   * 10 points at a 30-day sum of 10 a day. It scores the accounts' segment, so it is their only
   * scorecard (the default template installed at the first start applies only where no other does).
   */
  static Scorecard scorecard() {
    Component.Builder usage = Component.newBuilder().setComponentId("usage").setName("Usage").setWeight(1);
    for (int m = 0; m < MEASURES; m++) {
      usage.addMeasures(
          Measure.newBuilder()
              .setMeasureId("m" + m)
              .setName("metric " + m)
              .setFeature(metric(m) + ".sum_30d")
              .setWeight(1)
              .setLinear(LinearMapping.newBuilder().setWorst(0).setBest(10.0 * DAYS)));
    }
    return Scorecard.newBuilder()
        .setScorecardId("freshness")
        .setName("Freshness")
        .addSegments("smb")
        .setBands(BandCutoffs.newBuilder().setYellowFrom(4).setGreenFrom(7).setHysteresis(0.3))
        .addComponents(usage)
        .build();
  }

  /**
   * The metrics' names, made once: formatting one per signal took 7 % of the run's CPU samples, on
   * the cores the services share.
   */
  static final String[] METRIC_NAMES = new String[METRICS];

  static {
    for (int m = 0; m < METRICS; m++) {
      METRIC_NAMES[m] = String.format("metric%02d", m);
    }
  }

  static String metric(int m) {
    return METRIC_NAMES[m];
  }

  static ServiceConfig config(String service, Path data) {
    return ServiceConfig.fromMap(service, 0, 0, Map.of(ServiceConfig.DATA_DIR, data.resolve(service).toString()))
        .withGrpcPort(0)
        .withMetricsPort(0);
  }

  /** The report so far; each line is printed as it is added, so a long run shows its progress. */
  static final class Report {
    private final StringBuilder text = new StringBuilder();

    void line(String format, Object... args) {
      String line = String.format(Locale.ROOT, format, args);
      text.append(line);
      System.out.print(line);
      System.out.flush();
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }

  /** What scoring's feed counted so far: reconnects (failed batches), reads retried in halves, accounts set aside. */
  static String feedCounts(ScoringServer scoring) {
    String text = MetricsText.scrape(scoring.metricsPort());
    return String.format(Locale.ROOT, "feed reconnects %.0f, read parts timed out %.0f, accounts set aside %.0f",
        MetricsText.sample(text, "healthscore_feed_reconnects_total").orElse(Double.NaN),
        MetricsText.sample(text, "healthscore_feed_read_parts_timed_out_total").orElse(Double.NaN),
        MetricsText.sample(text, "healthscore_scoring_set_aside_accounts").orElse(Double.NaN));
  }

  @Test
  void freshnessAndFeedRateAgainstTheEngine() throws Exception {
    Report report = new Report();
    report.line("%,d accounts x %d metrics x %d days (%,d signals), scorecard of %d measures%n",
        ACCOUNTS, METRICS, DAYS, (long) ACCOUNTS * METRICS * DAYS, MEASURES);
    SignalsServer signals = SignalsServer.builder(config(SignalsServer.SERVICE_NAME, dir)).build().start();
    ManagedChannel toSignals = Channels.forAddress("localhost:" + signals.server().grpcPort());
    ScoringServer scoring = ScoringServer.builder(config(ScoringServer.SERVICE_NAME, dir)).signalsChannel(toSignals).build().start();
    ManagedChannel client = Channels.forAddress("localhost:" + signals.server().grpcPort());
    ManagedChannel scoringClient = Channels.forAddress("localhost:" + scoring.grpcPort());
    try {
      var scores = ScoringServiceGrpc.newBlockingStub(scoringClient);
      scores.withDeadlineAfter(60, TimeUnit.SECONDS).putScorecard(PutScorecardRequest.newBuilder().setScorecard(scorecard()).build());
      var accounts = SignalServiceGrpc.newBlockingStub(client);
      for (int from = 0; from < ACCOUNTS; from += 1000) {
        UpsertAccountsRequest.Builder request = UpsertAccountsRequest.newBuilder();
        for (int i = from; i < Math.min(ACCOUNTS, from + 1000); i++) {
          request.addAccounts(Account.newBuilder().setAccountId(id(i)).setName("Account " + i).setSegment("smb").setMrr(100));
        }
        accounts.withDeadlineAfter(60, TimeUnit.SECONDS).upsertAccounts(request.build());
      }
      awaitScores(scores, i -> 5.5, Duration.ofMinutes(10)); // no-data placeholders of every account
      report.line("load average before ingest: %.1f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

      long now = System.currentTimeMillis();
      long ingestStart = System.nanoTime();
      long[] lastAck = new long[1];
      long sent = stream(client, now, lastAck);
      double ingest = (lastAck[0] - ingestStart) / 1e9;
      report.line("ingest: %,d signals acknowledged in %.1f s (%,.0f signals/s)%n",
          sent, ingest, sent / ingest);
      awaitCaughtUp(signals, scoring, Duration.ofMinutes(30));
      awaitScores(scores, i -> 1 + 0.9 * value(i), Duration.ofMinutes(30));
      double fresh = (System.nanoTime() - lastAck[0]) / 1e9;
      report.line(
          "freshness: every score reflects its data %.1f s after the last acknowledgement (%.1f s after ingest began)%n",
          fresh, (System.nanoTime() - ingestStart) / 1e9);
      report.line("after ingest: %s; load average %.1f%n", feedCounts(scoring),
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

      long waveStart = System.nanoTime();
      long[] waveAck = new long[1];
      wave(client, now, waveAck);
      awaitCaughtUp(signals, scoring, Duration.ofMinutes(30));
      awaitScores(scores, i -> 10.0, Duration.ofMinutes(30));
      double waveSeconds = (System.nanoTime() - waveStart) / 1e9;
      double feedRate = ACCOUNTS / waveSeconds;
      report.line(
          "wave: %,d accounts rescored through the feed in %.2f s (%.2f s after the last acknowledgement): %,.0f accounts/s%n",
          ACCOUNTS, waveSeconds, (System.nanoTime() - waveAck[0]) / 1e9, feedRate);
      report.line("after the wave: %s%n", feedCounts(scoring));

      double engineRate = engineRate(toSignals);
      report.line("engine alone on the same snapshots: %,.0f accounts/s; ratio %.3f%n",
          engineRate, feedRate / engineRate);
      report.line("load average at the end: %.1f%n",
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      assertTrue(feedRate > 0);
    } finally {
      System.out.print("\n" + report);
      client.shutdownNow();
      scoringClient.shutdownNow();
      scoring.close();
      toSignals.shutdownNow();
      signals.server().stop();
    }
  }

  /**
   * The signals of the k-th batch of a run, built when it is sent (a large run does not fit in
   * memory); {@link Sender} numbers it, since it matches acknowledgements by batch id.
   */
  @FunctionalInterface
  interface Batches {
    StreamSignalsRequest.Builder batch(int k);
  }

  /**
   * Streams every day's signals of every account, oldest day first, each day every account;
   * returns how many were acknowledged.
   */
  long stream(ManagedChannel channel, long now, long[] lastAck) throws InterruptedException {
    long total = (long) ACCOUNTS * METRICS * DAYS;
    long perDay = (long) ACCOUNTS * METRICS;
    int count = (int) ((total + BATCH - 1) / BATCH);
    return send(channel, count, k -> {
      StreamSignalsRequest.Builder b = StreamSignalsRequest.newBuilder();
      for (long g = (long) k * BATCH; g < Math.min(total, (long) (k + 1) * BATCH); g++) {
        int d = DAYS - 1 - (int) (g / perDay);
        int i = (int) (g % perDay / METRICS);
        int m = (int) (g % METRICS);
        b.addSignals(signal("d" + d + "-" + i + "-" + m, i, m, value(i), now - d * DAY - Duration.ofHours(1).toMillis()));
      }
      return b;
    }, lastAck);
  }

  /** One more signal per account and metric, large enough to give every measure all its points. */
  long wave(ManagedChannel channel, long now, long[] lastAck) throws InterruptedException {
    long total = (long) ACCOUNTS * METRICS;
    int count = (int) ((total + BATCH - 1) / BATCH);
    return send(channel, count, k -> {
      StreamSignalsRequest.Builder b = StreamSignalsRequest.newBuilder();
      for (long g = (long) k * BATCH; g < Math.min(total, (long) (k + 1) * BATCH); g++) {
        int i = (int) (g / METRICS);
        int m = (int) (g % METRICS);
        b.addSignals(signal("wave-" + i + "-" + m, i, m, 10.0 * DAYS, now - Duration.ofMinutes(30).toMillis()));
      }
      return b;
    }, lastAck);
  }

  static Signal signal(String eventId, int account, int metric, double number, long atMillis) {
    return Signal.newBuilder()
        .setEventId(eventId)
        .setAccountId(id(account))
        .setMetric(metric(metric))
        .setNumber(number)
        .setOccurredAt(Timestamps.fromMillis(atMillis))
        .setSource("benchmark")
        .build();
  }

  /**
   * Sends the batches on one stream, {@link #WINDOW} unacknowledged at a time; after an error
   * (signals-service overloaded) waits a second and resends what was not acknowledged on a new
   * stream (event ids make that idempotent). Returns the signals acknowledged.
   */
  static long send(ManagedChannel channel, int count, Batches batches, long[] lastAck) throws InterruptedException {
    BitSet acked = new BitSet(count);
    AtomicLong acknowledged = new AtomicLong();
    int retries = 0;
    while (acked.cardinality() < count) {
      Sender sender = new Sender(count, batches, acked, acknowledged, lastAck);
      SignalServiceGrpc.newStub(channel).withDeadlineAfter(2, TimeUnit.HOURS).streamSignals(sender);
      sender.fill();
      sender.done.await();
      if (sender.failure.get() != null) {
        System.err.printf("signal stream failed (%,d of %,d batches acknowledged), resending the rest: %s%n",
            acked.cardinality(), count, sender.failure.get());
        assertTrue(++retries < 1000, "too many stream failures: " + sender.failure.get());
        Thread.sleep(1000);
      }
    }
    return acknowledged.get();
  }

  /** One StreamSignals call sending the batches not acknowledged yet, {@link #WINDOW} at a time. */
  static final class Sender implements ClientResponseObserver<StreamSignalsRequest, StreamSignalsResponse> {
    final CountDownLatch done = new CountDownLatch(1);
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final int count;
    private final Batches batches;
    private final BitSet acked;
    private final AtomicLong acknowledged;
    private final long[] lastAck;
    private ClientCallStreamObserver<StreamSignalsRequest> requests;
    private int next;
    private int inFlight;
    private boolean completed;

    Sender(int count, Batches batches, BitSet acked, AtomicLong acknowledged, long[] lastAck) {
      this.count = count;
      this.batches = batches;
      this.acked = acked;
      this.acknowledged = acknowledged;
      this.lastAck = lastAck;
      this.next = acked.nextClearBit(0);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<StreamSignalsRequest> r) {
      requests = r;
    }

    synchronized void fill() {
      while (inFlight < WINDOW && next < count) {
        requests.onNext(batches.batch(next).setBatchId(Integer.toString(next)).build());
        inFlight++;
        next = acked.nextClearBit(next + 1);
      }
      if (inFlight == 0 && next >= count && !completed) {
        completed = true;
        requests.onCompleted();
      }
    }

    @Override
    public void onNext(StreamSignalsResponse r) {
      synchronized (this) {
        inFlight--;
        int k = Integer.parseInt(r.getBatchId());
        if (!acked.get(k)) {
          acked.set(k);
          acknowledged.addAndGet(r.getAccepted() + r.getDuplicates());
          lastAck[0] = System.nanoTime();
        }
      }
      fill();
    }

    @Override
    public void onError(Throwable t) {
      failure.set(t);
      done.countDown();
    }

    @Override
    public void onCompleted() {
      done.countDown();
    }
  }

  /**
   * Waits until scoring's feed has applied every change signals-service has written, read from
   * both services' metrics: cheap to poll, where asking for every account's explained score again
   * and again would take the CPU the feed needs.
   */
  static void awaitCaughtUp(SignalsServer signals, ScoringServer scoring, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      double written = MetricsText.value(MetricsText.scrape(signals.server().metricsPort()), "healthscore_change_feed_cursor");
      double applied = MetricsText.value(MetricsText.scrape(scoring.metricsPort()), "healthscore_feed_cursor");
      if (applied >= written) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, "scoring's feed at " + applied + " of " + written);
      Thread.sleep(100);
    }
  }

  /** Waits until every account's score is the expected one (within 1e-4). */
  static void awaitScores(ScoringServiceGrpc.ScoringServiceBlockingStub scores, IntToDoubleFunction expected, Duration limit)
      throws InterruptedException {
    BitSet pending = new BitSet(ACCOUNTS);
    pending.set(0, ACCOUNTS);
    long deadline = System.nanoTime() + limit.toNanos();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < ACCOUNTS; i++) {
      index.put(id(i), i);
    }
    while (!pending.isEmpty()) {
      assertTrue(System.nanoTime() < deadline, pending.cardinality() + " accounts not fresh");
      BatchGetScoresRequest.Builder request = BatchGetScoresRequest.newBuilder();
      for (int i = pending.nextSetBit(0); i >= 0; i = pending.nextSetBit(i + 1)) {
        request.addAccountIds(id(i));
        if (request.getAccountIdsCount() == 1000 || pending.nextSetBit(i + 1) < 0) {
          for (HealthScore s : scores.withDeadlineAfter(60, TimeUnit.SECONDS).batchGetScores(request.build()).getScoresList()) {
            int a = index.get(s.getAccountId());
            if (Math.abs(s.getScore() - expected.applyAsDouble(a)) < 1e-4) {
              pending.clear(a);
            }
          }
          request = BatchGetScoresRequest.newBuilder();
        }
      }
      if (!pending.isEmpty()) {
        Thread.sleep(100);
      }
    }
  }

  /** The engine alone: the same accounts' current snapshots scored in memory, warm, in parallel. */
  static double engineRate(ManagedChannel toSignals) {
    SignalsClient reader = new SignalsClient(toSignals, Duration.ofSeconds(60));
    CompiledScorecard card = CompiledScorecard.compile(scorecard().toBuilder().setVersion(1).build());
    List<AccountInfo> infos = new ArrayList<>();
    for (int i = 0; i < ACCOUNTS; i++) {
      infos.add(new AccountInfo(id(i), "smb", "", "", "", 100));
    }
    List<AccountSnapshot> snapshots = reader.current(infos, FeatureDemand.of(List.of(card)));
    assertEquals(ACCOUNTS, snapshots.size());
    List<Double> rates = new ArrayList<>();
    for (int round = 0; round < 7; round++) {
      ScoringContext ctx = new ScoringContext(System.currentTimeMillis(), SegmentDistributions.empty());
      long start = System.nanoTime();
      double sum = snapshots.parallelStream().mapToDouble(s -> card.score(s, ctx, Band.BAND_UNSPECIFIED).score()).sum();
      rates.add(ACCOUNTS / ((System.nanoTime() - start) / 1e9));
      assertEquals(10.0 * ACCOUNTS, sum, 1e-3 * ACCOUNTS);
    }
    List<Double> warm = new ArrayList<>(rates.subList(2, rates.size()));
    warm.sort(null);
    return warm.get(warm.size() / 2);
  }
}
