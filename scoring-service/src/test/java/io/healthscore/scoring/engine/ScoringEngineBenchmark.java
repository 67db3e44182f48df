package io.healthscore.scoring.engine;

import static io.healthscore.scoring.testing.TestCards.measure;
import static io.healthscore.scoring.testing.TestCards.thresholds;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.healthscore.v1.Band;
import io.healthscore.v1.BooleanMapping;
import io.healthscore.v1.Component;
import io.healthscore.v1.DaysSinceMapping;
import io.healthscore.v1.Direction;
import io.healthscore.v1.GoalMapping;
import io.healthscore.v1.LinearMapping;
import io.healthscore.v1.Measure;
import io.healthscore.v1.Scorecard;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Full rescore of a million accounts on a 40-measure scorecard beside a plain loop that only reads
 * and sums the same feature values; and the heap a million cached scores take. Run with {@code cd
 * scoring-service && mvn -o -q -Pbenchmark test -Dtest=ScoringEngineBenchmark -DargLine=-Xmx4g}.
 */
@Tag("benchmark")
class ScoringEngineBenchmark {
  private static final int ACCOUNTS = 1_000_000;
  private static final int MEASURES = 40;

  /** Distinct feature maps the accounts cycle through; a million maps would not fit the heap. */
  private static final int POOL = 20_000;

  /** 40 measures in 4 components (one nested), mixing every feature-based mapping but percentile. */
  static Scorecard scorecard() {
    List<Component.Builder> components = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      components.add(Component.newBuilder().setComponentId("c" + c).setName("c" + c).setWeight(1 + c));
    }
    Component.Builder nested = Component.newBuilder().setComponentId("nested").setName("nested").setWeight(1);
    for (int m = 0; m < MEASURES; m++) {
      Measure.Builder b = measure("m" + m, "metric" + m + ".sum_30d").setWeight(1 + m % 3);
      switch (m % 5) {
        case 0 -> b.setThresholds(thresholds(0, 10, 3, 30, 6, 60, 10));
        case 1 -> b.setLinear(LinearMapping.newBuilder().setWorst(0).setBest(100));
        case 2 -> b.setGoal(GoalMapping.newBuilder().setGoal(80)).setDirection(Direction.DIRECTION_LOWER_IS_BETTER);
        case 3 -> b.setBoolean(BooleanMapping.newBuilder().setTruePoints(10).setFalsePoints(2));
        default -> b.setFeature("metric" + m + ".days_since_last")
            .setDaysSince(DaysSinceMapping.newBuilder().setBestDays(3).setWorstDays(60));
      }
      if (m % 10 == 9) {
        b.setStaleAfterDays(90).setFeature("csm" + m + ".last");
      }
      if (m >= 36) {
        nested.addMeasures(b);
      } else {
        components.get(m % 4).addMeasures(b);
      }
    }
    components.get(3).addComponents(nested);
    return io.healthscore.scoring.testing.TestCards.card(components.toArray(new Component.Builder[0]));
  }

  static AccountSnapshot[] pool(CompiledScorecard sc) {
    Random r = new Random(1);
    AccountSnapshot[] pool = new AccountSnapshot[POOL];
    for (int i = 0; i < POOL; i++) {
      Map<String, Double> f = new HashMap<>();
      for (int m = 0; m < MEASURES; m++) {
        if (r.nextDouble() < 0.95) {
          f.put(sc.measure(m).getFeature(), r.nextDouble() * 100);
        }
      }
      f.put("csm9.days_since_last", r.nextDouble() * 120);
      f.put("account.tenure_days", 400.0);
      pool[i] = new AccountSnapshot("a" + i, "smb", "adopt", "", "owner", 100, f, Map.of());
    }
    return pool;
  }

  @Test
  void fullRescoreAgainstAPlainLoop() {
    CompiledScorecard sc = CompiledScorecard.compile(scorecard());
    AccountSnapshot[] pool = pool(sc);
    String[] features = new String[MEASURES];
    for (int m = 0; m < MEASURES; m++) {
      features[m] = sc.measure(m).getFeature();
    }
    ScoringContext ctx = new ScoringContext(System.currentTimeMillis(), SegmentDistributions.empty());
    for (int round = 0; round < 2; round++) {
      long t0 = System.nanoTime();
      double baselineSum = IntStream.range(0, ACCOUNTS).parallel().mapToDouble(i -> {
        Map<String, Double> f = pool[i % POOL].features();
        double sum = 0;
        for (String feature : features) {
          Double v = f.get(feature);
          if (v != null) {
            sum += v;
          }
        }
        return sum;
      }).sum();
      long t1 = System.nanoTime();
      double engineSum = IntStream.range(0, ACCOUNTS).parallel()
          .mapToDouble(i -> sc.score(pool[i % POOL], ctx, Band.BAND_YELLOW).score()).sum();
      long t2 = System.nanoTime();
      double baseline = (t1 - t0) / 1e9;
      double engine = (t2 - t1) / 1e9;
      System.out.printf(Locale.ROOT,
          "scoring engine rescore (%s): %,d accounts x %d measures on %d cores: engine %.2f s (%.0f accounts/s), "
              + "plain feature-sum loop %.2f s, ratio %.2fx [checksums %.0f %.0f]%n",
          round == 0 ? "warm-up" : "measured", ACCOUNTS, MEASURES, Runtime.getRuntime().availableProcessors(),
          engine, ACCOUNTS / engine, baseline, engine / baseline, engineSum, baselineSum);
    }
  }

  @Test
  void heapOfAMillionCachedScores() {
    CompiledScorecard sc = CompiledScorecard.compile(scorecard());
    AccountSnapshot[] pool = pool(sc);
    ScoringContext ctx = new ScoringContext(System.currentTimeMillis(), SegmentDistributions.empty());
    String[] keys = new String[ACCOUNTS];
    for (int i = 0; i < ACCOUNTS; i++) {
      keys[i] = String.format(Locale.ROOT, "acct-%07d", i);
    }
    long before = usedHeapAfterGc();
    Cache<String, ComputedScore> cache = Caffeine.newBuilder().maximumSize(2 * ACCOUNTS).build();
    IntStream.range(0, ACCOUNTS).parallel()
        .forEach(i -> cache.put(keys[i], sc.score(pool[i % POOL], ctx, Band.BAND_UNSPECIFIED)));
    long after = usedHeapAfterGc();
    double mib = (after - before) / (1024.0 * 1024.0);
    System.out.printf(Locale.ROOT,
        "scoring engine heap: %,d ComputedScore values (%d measures) in a Caffeine cache: %.0f MiB "
            + "(%.0f bytes per entry, cache overhead included; keys counted before), max heap %.0f MiB%n",
        cache.estimatedSize(), MEASURES, mib, (after - before) / (double) ACCOUNTS,
        Runtime.getRuntime().maxMemory() / (1024.0 * 1024.0));
    Reference.reachabilityFence(cache);
    Reference.reachabilityFence(keys);
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
