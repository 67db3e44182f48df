package io.healthscore.scoring.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ScoringContext;
import io.healthscore.scoring.engine.SegmentDistributions;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.v1.Band;
import io.healthscore.v1.BandCutoffs;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.Component;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.LinearMapping;
import io.healthscore.v1.Measure;
import io.healthscore.v1.Scorecard;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scoring-service following the change feed of an in-process fake signals-service (features in
 * memory, so what is measured is scoring's side of the path): N accounts of {@code METRICS}
 * metrics, each change of every account applied and stored, against the engine alone scoring the
 * same snapshots in the same run.
 *
 * <p>{@code cd scoring-service && mvn -B -o -Pbenchmark test -Dtest=FeedThroughputBenchmark}
 * (knobs -Dbenchmark.accounts=20000 -Dbenchmark.measures=10 -Dbenchmark.waves=3).
 */
@Tag("benchmark")
class FeedThroughputBenchmark {
  static final int ACCOUNTS = Integer.getInteger("benchmark.accounts", 20_000);
  static final int MEASURES = Integer.getInteger("benchmark.measures", 10);
  static final int WAVES = Integer.getInteger("benchmark.waves", 3);
  /** Metrics an account has, of which the scorecard reads {@code MEASURES}. */
  static final int METRICS = 40;
  static final String[] KINDS = {"sum_30d", "count_30d", "mean_30d", "trend_30d", "days_since_last"};

  @TempDir Path dir;

  static Scorecard scorecard() {
    Component.Builder usage = Component.newBuilder().setComponentId("usage").setName("Usage").setWeight(1);
    for (int m = 0; m < MEASURES; m++) {
      usage.addMeasures(
          Measure.newBuilder()
              .setMeasureId("m" + m)
              .setName("Metric " + m)
              .setFeature("metric" + m + ".sum_30d")
              .setWeight(1)
              .setLinear(LinearMapping.newBuilder().setWorst(0).setBest(100)));
    }
    return Scorecard.newBuilder()
        .setScorecardId("bench")
        .setName("Bench")
        .setIsDefault(true)
        .setBands(BandCutoffs.newBuilder().setYellowFrom(4).setGreenFrom(7).setHysteresis(0.3))
        .addComponents(usage)
        .build();
  }

  /** Every metric's features, the ones read worth {@code value}. */
  static Map<String, Double> features(double value) {
    Map<String, Double> f = new HashMap<>();
    for (int m = 0; m < METRICS; m++) {
      for (String kind : KINDS) {
        f.put("metric" + m + "." + kind, value);
      }
    }
    return f;
  }

  static String id(int i) {
    return String.format("acct-%06d", i);
  }

  @Test
  void feedAgainstEngine() throws Exception {
    StringBuilder report = new StringBuilder();
    try (ScoringHarness h = new ScoringHarness(dir.resolve("data")).withScorecard(scorecard())) {
      for (int i = 0; i < ACCOUNTS; i++) {
        h.signals.putAccount(FakeSignalService.account(id(i), "smb", 10));
      }
      h.start();
      long loadStart = System.nanoTime();
      awaitApplied(h);
      report.append(String.format("accounts loaded through the feed: %,d in %.1f s%n", ACCOUNTS, seconds(loadStart)));

      List<Double> feedRates = new ArrayList<>();
      for (int wave = 1; wave <= WAVES; wave++) {
        double value = 10 * wave; // every wave a material change of every account
        IntFunction<Map<String, Double>> features = i -> features(value);
        long start = System.nanoTime();
        for (int i = 0; i < ACCOUNTS; i++) {
          h.signals.setFeatures(id(i), features.apply(i));
        }
        long published = System.nanoTime();
        awaitApplied(h);
        double total = seconds(start);
        double rate = ACCOUNTS / total;
        feedRates.add(rate);
        report.append(String.format(
            "wave %d: %,d accounts applied in %.2f s (%.2f s after the last change): %,.0f accounts/s%n",
            wave, ACCOUNTS, total, (System.nanoTime() - published) / 1e9, rate));
        checkScores(h, 1 + 0.9 * value / 10);
      }

      CompiledScorecard card = CompiledScorecard.compile(scorecard().toBuilder().setVersion(1).build());
      List<AccountSnapshot> snapshots = new ArrayList<>(ACCOUNTS);
      for (int i = 0; i < ACCOUNTS; i++) {
        snapshots.add(new AccountSnapshot(id(i), "smb", "adoption", "", "csm", 10, features(10), Map.of()));
      }
      List<Double> engineRates = new ArrayList<>();
      for (int round = 0; round < 5; round++) {
        long start = System.nanoTime();
        ScoringContext ctx = new ScoringContext(System.currentTimeMillis(), SegmentDistributions.empty());
        double sum = snapshots.parallelStream().mapToDouble(s -> card.score(s, ctx, Band.BAND_UNSPECIFIED).score()).sum();
        engineRates.add(ACCOUNTS / seconds(start));
        assertEquals(ACCOUNTS * 1.9, sum, 1e-3 * ACCOUNTS);
      }
      double feed = median(feedRates);
      double engine = median(engineRates.subList(2, engineRates.size()));
      report.append(String.format(
          "engine alone, same snapshots (median of warm rounds): %,.0f accounts/s%nfeed median %,.0f accounts/s: ratio %.3f%n",
          engine, feed, feed / engine));
    }
    System.out.print(report);
  }

  static void awaitApplied(ScoringHarness h) throws InterruptedException {
    long target = h.signals.lastCursor();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (h.server().appliedSignalsCursor() < target) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("feed did not catch up: " + h.server().appliedSignalsCursor() + " < " + target);
      }
      Thread.sleep(5);
    }
  }

  static void checkScores(ScoringHarness h, double expected) {
    for (int from = 0; from < ACCOUNTS; from += 1000) {
      BatchGetScoresRequest.Builder request = BatchGetScoresRequest.newBuilder();
      for (int i = from; i < Math.min(ACCOUNTS, from + 1000); i++) {
        request.addAccountIds(id(i));
      }
      for (HealthScore s : h.stub().batchGetScores(request.build()).getScoresList()) {
        assertEquals(expected, s.getScore(), 1e-5, s.getAccountId());
      }
    }
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
