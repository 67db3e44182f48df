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
 * Turns an account and its daily rollups into features. docs/features.md defines every name; the
 * {@link FeatureHorizon} says which days count: live features include today's partial day, features
 * as of an explicit moment only the UTC days strictly before its day.
 */
public final class FeatureCalculator {
  /** The windows, in days, of the count/sum/mean features. */
  public static final int[] WINDOWS = {7, 30, 60, 90};

  static final long MILLIS_PER_DAY = FeatureHorizon.MILLIS_PER_DAY;

  /**
   * Computes the features.
   *
   * @param rollups the account's rollups; days at or after the horizon's end day are ignored
   * @param users distinct users of the account, for windows within the last 30 days of the horizon
   * @param mrrChange90d sum of outcome mrr_delta over the horizon's 90-day window
   * @param children number of accounts whose parent is this one
   */
  public Features compute(
      AccountRecord account,
      List<DailyRollup> rollups,
      DistinctUsers users,
      double mrrChange90d,
      long children,
      FeatureHorizon horizon) {
    long day = horizon.endDay();
    Map<String, List<DailyRollup>> byMetric = new TreeMap<>();
    for (DailyRollup r : rollups) {
      if (r.epochDay() < day) {
        byMetric.computeIfAbsent(r.metric(), m -> new ArrayList<>()).add(r);
      }
    }
    Map<String, Double> numbers = new HashMap<>();
    Map<String, String> labels = new HashMap<>();
    Map<Long, Long> peakUsersByDay = new HashMap<>();
    byMetric.forEach(
        (metric, days) -> {
          metricFeatures(metric, days, horizon, numbers, labels, peakUsersByDay);
          numbers.put(metric + ".distinct_users_30d", (double) users.count(metric, day - 30, day));
        });
    accountFeatures(account, horizon.asOf(), mrrChange90d, children, peakUsersByDay, numbers);
    long activeUsers = users.count(null, day - 30, day);
    numbers.put("account.active_users_30d", (double) activeUsers);
    if (account.licenses() > 0) {
      numbers.put("account.license_utilization", (double) activeUsers / account.licenses());
    }
    return new Features(numbers, labels);
  }

  private static void metricFeatures(
      String metric,
      List<DailyRollup> days,
      FeatureHorizon horizon,
      Map<String, Double> numbers,
      Map<String, String> labels,
      Map<Long, Long> peakUsersByDay) {
    long endDay = horizon.endDay();
    long firstAtMillis = Long.MAX_VALUE;
    DailyRollup last = days.get(0);
    for (DailyRollup r : days) {
      firstAtMillis = Math.min(firstAtMillis, r.firstAtMillis());
      if (r.epochDay() > last.epochDay()) {
        last = r;
      }
      if (r.epochDay() >= endDay - 30) {
        peakUsersByDay.merge(r.epochDay(), r.distinctUsers(), Math::max);
      }
    }
    // A metric carries numbers or labels; its latest signal decides which when both occur.
    boolean labelled = last.lastLabel() != null;
    for (int window : WINDOWS) {
      Window w = Window.of(days, endDay - window, endDay);
      numbers.put(metric + ".count_" + window + "d", (double) w.count);
      if (!labelled) {
        numbers.put(metric + ".sum_" + window + "d", w.sum);
        if (w.count > 0) {
          numbers.put(metric + ".mean_" + window + "d", w.sum / w.count);
        }
      }
    }
    if (!labelled) {
      Window recent = Window.of(days, endDay - 30, endDay);
      Window earlier = Window.of(days, endDay - 60, endDay - 30);
      if (earlier.count > 0 && earlier.sum != 0) {
        numbers.put(metric + ".trend_30d", recent.sum / earlier.sum - 1);
      }
      numbers.put(metric + ".last", last.lastValue());
    } else {
      labels.put(metric, last.lastLabel());
    }
    numbers.put(metric + ".days_since_last", daysBefore(horizon, last.lastAtMillis()));
    numbers.put(metric + ".days_since_first", daysBefore(horizon, firstAtMillis));
    numbers.put(metric + ".peak_daily_users_30d", (double) Window.of(days, endDay - 30, endDay).peakUsers);
  }

  /**
   * Fractional days from {@code millis} to the end of the data seen; 0 for a signal dated after it
   * (a producer's clock slightly ahead).
   */
  private static double daysBefore(FeatureHorizon horizon, long millis) {
    return Math.max(0, horizon.cutoffMillis() - millis) / (double) MILLIS_PER_DAY;
  }

  private static void accountFeatures(
      AccountRecord account,
      Instant asOf,
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
