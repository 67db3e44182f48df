package io.healthscore.signals.features;

import io.healthscore.signals.ingest.DailyRollup;
import io.healthscore.signals.store.AccountRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns an account and its daily rollups into point-in-time features. docs/features.md defines
 * every name; the rule that keeps the future out: features as of a moment use only the UTC days
 * strictly before that moment's day, so the result never depends on when during the day it is asked.
 */
public final class FeatureCalculator {
  /** The windows, in days, of the count/sum/mean features. */
  public static final int[] WINDOWS = {7, 30, 60, 90};

  static final long MILLIS_PER_DAY = 86_400_000L;

  /** The UTC day features as of {@code asOf} stop before (exclusive). */
  public static long asOfDay(Instant asOf) {
    return Math.floorDiv(asOf.toEpochMilli(), MILLIS_PER_DAY);
  }

  /**
   * Computes the features.
   *
   * @param rollups the account's rollups; days at or after the as-of day are ignored
   * @param mrrChange90d sum of outcome mrr_delta over the 90 days before the as-of day
   * @param children number of accounts whose parent is this one
   */
  public Features compute(
      AccountRecord account, List<DailyRollup> rollups, double mrrChange90d, long children, Instant asOf) {
    long day = asOfDay(asOf);
    Map<String, List<DailyRollup>> byMetric = new TreeMap<>();
    for (DailyRollup r : rollups) {
      if (r.epochDay() < day) {
        byMetric.computeIfAbsent(r.metric(), m -> new ArrayList<>()).add(r);
      }
    }
    Map<String, Double> numbers = new HashMap<>();
    Map<String, String> labels = new HashMap<>();
    Map<Long, Long> peakUsersByDay = new HashMap<>();
    byMetric.forEach((metric, days) -> metricFeatures(metric, days, day, numbers, labels, peakUsersByDay));
    accountFeatures(account, asOf, day, mrrChange90d, children, peakUsersByDay, numbers);
    return new Features(numbers, labels);
  }

  private static void metricFeatures(
      String metric,
      List<DailyRollup> days,
      long asOfDay,
      Map<String, Double> numbers,
      Map<String, String> labels,
      Map<Long, Long> peakUsersByDay) {
    DailyRollup first = days.get(0);
    DailyRollup last = days.get(0);
    for (DailyRollup r : days) {
      if (r.epochDay() < first.epochDay()) {
        first = r;
      }
      if (r.epochDay() > last.epochDay()) {
        last = r;
      }
      if (r.epochDay() >= asOfDay - 30) {
        peakUsersByDay.merge(r.epochDay(), r.distinctUsers(), Math::max);
      }
    }
    // A metric carries numbers or labels; its latest signal decides which when both occur.
    boolean labelled = last.lastLabel() != null;
    for (int window : WINDOWS) {
      Window w = Window.of(days, asOfDay - window, asOfDay);
      numbers.put(metric + ".count_" + window + "d", (double) w.count);
      if (!labelled) {
        numbers.put(metric + ".sum_" + window + "d", w.sum);
        if (w.count > 0) {
          numbers.put(metric + ".mean_" + window + "d", w.sum / w.count);
        }
      }
    }
    if (!labelled) {
      Window recent = Window.of(days, asOfDay - 30, asOfDay);
      Window earlier = Window.of(days, asOfDay - 60, asOfDay - 30);
      if (earlier.count > 0 && earlier.sum != 0) {
        numbers.put(metric + ".trend_30d", recent.sum / earlier.sum - 1);
      }
      numbers.put(metric + ".last", last.lastValue());
    } else {
      labels.put(metric, last.lastLabel());
    }
    numbers.put(metric + ".days_since_last", (double) (asOfDay - last.epochDay()));
    numbers.put(metric + ".days_since_first", (double) (asOfDay - first.epochDay()));
    numbers.put(metric + ".peak_daily_users_30d", (double) Window.of(days, asOfDay - 30, asOfDay).peakUsers);
  }

  private static void accountFeatures(
      AccountRecord account,
      Instant asOf,
      long asOfDay,
      double mrrChange90d,
      long children,
      Map<Long, Long> peakUsersByDay,
      Map<String, Double> numbers) {
    long asOfMillis = asOf.toEpochMilli();
    if (account.contractStart() != null && !account.contractStart().isAfter(asOf)) {
      numbers.put(
          "account.tenure_days",
          (double) Math.floorDiv(asOfMillis - account.contractStart().toEpochMilli(), MILLIS_PER_DAY));
    }
    if (account.renewalDate() != null) {
      numbers.put(
          "account.days_to_renewal",
          (double) Math.floorDiv(account.renewalDate().toEpochMilli() - asOfMillis, MILLIS_PER_DAY));
    }
    numbers.put("account.mrr", account.mrr());
    numbers.put("account.mrr_change_90d", mrrChange90d);
    numbers.put("account.licenses", (double) account.licenses());
    numbers.put("account.children", (double) children);
    long peakUsers = 0;
    for (long users : peakUsersByDay.values()) {
      peakUsers = Math.max(peakUsers, users);
    }
    numbers.put("account.peak_daily_users_30d", (double) peakUsers);
    if (account.licenses() > 0) {
      numbers.put("account.license_utilization", (double) peakUsers / account.licenses());
    }
  }

  /** Totals of the rollups with a day in [fromDay, toDay). */
  private record Window(long count, double sum, long peakUsers) {
    static Window of(List<DailyRollup> days, long fromDay, long toDay) {
      long count = 0;
      double sum = 0;
      long peakUsers = 0;
      for (DailyRollup r : days) {
        if (r.epochDay() >= fromDay && r.epochDay() < toDay) {
          count += r.count();
          sum += r.sum();
          peakUsers = Math.max(peakUsers, r.distinctUsers());
        }
      }
      return new Window(count, sum, peakUsers);
    }
  }
}
