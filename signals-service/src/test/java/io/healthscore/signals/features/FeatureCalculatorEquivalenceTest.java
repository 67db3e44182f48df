package io.healthscore.signals.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.signals.ingest.DailyRollup;
import io.healthscore.signals.store.AccountRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The calculator's one-pass windows equal, bit for bit, the per-metric features computed the
 * plain way (one filter of the days per window, as docs/features.md defines them), for random
 * accounts: numeric and labelled metrics, days before, on and after the horizon, live and point
 * in time, with and without a projection.
 */
class FeatureCalculatorEquivalenceTest {
  private static final long DAY = 86_400_000L;
  private static final Instant NOW = Instant.parse("2026-06-15T09:30:00Z");

  @Test
  void onePassWindowsEqualTheDefinitionForRandomAccounts() {
    Random random = new Random(7);
    FeatureCalculator calculator = new FeatureCalculator();
    List<FeatureSelection> selections =
        List.of(
            FeatureSelection.everything(),
            FeatureSelection.of(List.of("m1.sum_30d", "m2.trend_30d", "m0.mean_7d"), Map.of("m3", List.of()), List.of(), false));
    int compared = 0;
    for (int account = 0; account < 300; account++) {
      List<DailyRollup> rollups = rollups(random);
      FeatureHorizon horizon =
          random.nextBoolean()
              ? FeatureHorizon.live(NOW.minus(Duration.ofDays(random.nextInt(40))))
              : FeatureHorizon.pointInTime(NOW.minus(Duration.ofHours(random.nextInt(24 * 120))));
      for (FeatureSelection selection : selections) {
        Features actual = calculator.compute(account(), rollups, (m, from, to) -> 0, 0, 0, horizon, selection);
        Map<String, Double> expected = new HashMap<>();
        Map<String, String> expectedLabels = new HashMap<>();
        definition(rollups, horizon, selection, expected, expectedLabels);
        Map<String, Double> actualMetricFeatures = new HashMap<>(actual.numbers());
        actualMetricFeatures.keySet().removeIf(name -> name.startsWith("account."));
        actualMetricFeatures.keySet().removeIf(name -> name.endsWith(".distinct_users_30d")); // users: no sets here
        assertEquals(expected, actualMetricFeatures, "account " + account + " at " + horizon);
        Map<String, String> actualLabels = new HashMap<>(actual.labels());
        actualLabels.keySet().removeIf(name -> name.startsWith("account."));
        assertEquals(expectedLabels, actualLabels);
        compared += expected.size();
      }
    }
    assertTrue(compared > 10_000, "enough features compared: " + compared);
  }

  /** Up to 6 metrics of up to 40 days each over 150 days around the horizons, in the engine's order. */
  private static List<DailyRollup> rollups(Random random) {
    List<DailyRollup> rollups = new ArrayList<>();
    long today = Math.floorDiv(NOW.toEpochMilli(), DAY);
    for (int m = 0; m < 1 + random.nextInt(6); m++) {
      TreeMap<Long, DailyRollup> days = new TreeMap<>();
      boolean labels = m == 4;
      for (int d = 0; d < random.nextInt(40); d++) {
        long day = today - random.nextInt(150) + 2;
        long at = day * DAY + random.nextInt((int) DAY);
        boolean labelDay = labels && random.nextInt(3) > 0;
        days.put(day, new DailyRollup("a", "m" + m, day, 1 + random.nextInt(5), labelDay ? 0 : random.nextDouble() * 100 - 20,
            0, 0, random.nextDouble() * 10, labelDay ? "l" + random.nextInt(3) : null, at, at + random.nextInt(1000),
            random.nextInt(4)));
      }
      rollups.addAll(days.values());
    }
    return rollups;
  }

  /** The per-metric features as the definition reads: each window filtered from the days on its own. */
  private static void definition(
      List<DailyRollup> rollups, FeatureHorizon horizon, FeatureSelection selection, Map<String, Double> out,
      Map<String, String> labels) {
    long end = horizon.endDay();
    Map<String, List<DailyRollup>> byMetric = new TreeMap<>();
    for (DailyRollup r : rollups) {
      if (r.epochDay() < end && selection.wantsMetric(r.metric())) {
        byMetric.computeIfAbsent(r.metric(), k -> new ArrayList<>()).add(r);
      }
    }
    byMetric.forEach(
        (metric, days) -> {
          DailyRollup last = days.get(0);
          long first = Long.MAX_VALUE;
          for (DailyRollup r : days) {
            first = Math.min(first, r.firstAtMillis());
            last = r.epochDay() > last.epochDay() ? r : last;
          }
          boolean labelled = last.lastLabel() != null;
          for (int w : FeatureCalculator.WINDOWS) {
            long count = count(days, end - w, end);
            double sum = sum(days, end - w, end);
            put(out, selection, metric, "count_" + w + "d", count);
            if (!labelled) {
              put(out, selection, metric, "sum_" + w + "d", sum);
              if (count > 0) {
                put(out, selection, metric, "mean_" + w + "d", sum / count);
              }
            }
          }
          if (!labelled) {
            double earlier = sum(days, end - 60, end - 30);
            if (count(days, end - 60, end - 30) > 0 && earlier != 0) {
              put(out, selection, metric, "trend_30d", sum(days, end - 30, end) / earlier - 1);
            }
            put(out, selection, metric, "last", last.lastValue());
          } else if (selection.wantsLabel(metric)) {
            labels.put(metric, last.lastLabel());
          }
          put(out, selection, metric, "days_since_last", Math.max(0, horizon.cutoffMillis() - last.lastAtMillis()) / (double) DAY);
          put(out, selection, metric, "days_since_first", Math.max(0, horizon.cutoffMillis() - first) / (double) DAY);
          long peak = 0;
          for (DailyRollup r : days) {
            if (r.epochDay() >= end - 30) {
              peak = Math.max(peak, r.distinctUsers());
            }
          }
          put(out, selection, metric, "peak_daily_users_30d", peak);
        });
  }

  private static long count(List<DailyRollup> days, long from, long to) {
    long count = 0;
    for (DailyRollup r : days) {
      count += r.epochDay() >= from && r.epochDay() < to ? r.count() : 0;
    }
    return count;
  }

  private static double sum(List<DailyRollup> days, long from, long to) {
    double sum = 0;
    for (DailyRollup r : days) {
      if (r.epochDay() >= from && r.epochDay() < to) {
        sum += r.sum();
      }
    }
    return sum;
  }

  private static void put(Map<String, Double> out, FeatureSelection selection, String metric, String kind, double value) {
    if (selection.wants(metric, kind)) {
      out.put(metric + "." + kind, value);
    }
  }

  private static AccountRecord account() {
    return new AccountRecord(
        "a", "A", "smb", "", "", "", 10, 500, NOW.minus(Duration.ofDays(300)), NOW.plus(Duration.ofDays(30)),
        AccountRecord.BillingPeriod.ANNUAL, "", Map.of(), NOW, NOW);
  }
}
