package io.healthscore.signals.features;

import io.healthscore.signals.ingest.DailyRollup;
import io.healthscore.signals.store.AccountRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns an account and its daily rollups into features. docs/features.md defines every name; the
 * {@link FeatureHorizon} says which days count: live features include today's partial day, features
 * as of an explicit moment only the UTC days strictly before its day.
 */
public final class FeatureCalculator {
  /** The windows, in days, of the count/sum/mean features. */
  public static final int[] WINDOWS = {7, 30, 60, 90};

  /** A plain decimal number, as attributes such as "42" or "-0.5e3" carry: no hex, NaN or infinity. */
  private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");

  /** Index of the 30-day window in {@link #WINDOWS}, whose sum trend_30d compares with the 30 days before. */
  private static final int THIRTY_DAYS = 1;

  private static final Comparator<DailyRollup> ORDER =
      Comparator.comparing(DailyRollup::metric).thenComparingLong(DailyRollup::epochDay);

  private static final String[] COUNT_KINDS = kinds("count_");
  private static final String[] SUM_KINDS = kinds("sum_");
  private static final String[] MEAN_KINDS = kinds("mean_");

  static final long MILLIS_PER_DAY = FeatureHorizon.MILLIS_PER_DAY;

  /**
   * Computes the features {@code selection} wants: unwanted metrics are skipped, and the
   * distinct-user unions (the costly part) are taken only for the features that need them.
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
      FeatureHorizon horizon,
      FeatureSelection selection) {
    long day = horizon.endDay();
    List<DailyRollup> sorted = byMetricThenDay(rollups);
    long peakUsers = 0;
    Selected numbers = new Selected(selection);
    Map<String, String> labels = new HashMap<>();
    // One run of days per metric, in metric order; within it, the days before the horizon's end day.
    for (int from = 0, n = sorted.size(); from < n; ) {
      String metric = sorted.get(from).metric();
      int to = from;
      int cut = from;
      while (to < n && sorted.get(to).metric().equals(metric)) {
        DailyRollup r = sorted.get(to);
        if (r.epochDay() < day) {
          cut = to + 1;
          if (r.epochDay() >= day - 30) {
            peakUsers = Math.max(peakUsers, r.distinctUsers());
          }
        }
        to++;
      }
      if (cut > from && selection.wantsMetric(metric)) {
        metricFeatures(metric, sorted.subList(from, cut), horizon, numbers, labels, selection);
        if (selection.wants(metric, "distinct_users_30d")) {
          numbers.metric(metric, "distinct_users_30d", users.count(metric, day - 30, day));
        }
      }
      from = to;
    }
    accountFeatures(account, horizon.asOf(), mrrChange90d, children, peakUsers, numbers);
    boolean utilization = account.licenses() > 0 && selection.wantsAccount("account.license_utilization");
    if (utilization || selection.wantsAccount("account.active_users_30d")) {
      long activeUsers = users.count(null, day - 30, day);
      numbers.account("account.active_users_30d", activeUsers);
      if (utilization) {
        numbers.account("account.license_utilization", (double) activeUsers / account.licenses());
      }
    }
    attributes(account, selection, numbers, labels);
    return new Features(numbers.values, labels);
  }

  /**
   * The account's text attributes as labels ("account.segment", "attr.region", when not empty) and
   * its numeric-looking free attributes also as features ("attr.seats_used").
   */
  private static void attributes(
      AccountRecord account, FeatureSelection selection, Selected numbers, Map<String, String> labels) {
    accountLabel("account.segment", account.segment(), selection, labels);
    accountLabel("account.lifecycle_stage", account.lifecycleStage(), selection, labels);
    accountLabel("account.plan", account.plan(), selection, labels);
    accountLabel(
        "account.billing_period",
        switch (account.billingPeriod()) {
          case MONTHLY -> "monthly";
          case ANNUAL -> "annual";
          case UNSPECIFIED -> "";
        },
        selection,
        labels);
    account
        .attributes()
        .forEach(
            (key, value) -> {
              String name = FeatureNames.of("attr", key);
              accountLabel(name, value, selection, labels);
              if (NUMBER.matcher(value).matches() && Double.isFinite(Double.parseDouble(value))) {
                numbers.account(name, Double.parseDouble(value));
              }
            });
  }

  private static void accountLabel(String name, String value, FeatureSelection selection, Map<String, String> labels) {
    if (!value.isEmpty() && selection.wantsAccount(name)) {
      labels.put(name, value);
    }
  }

  /** The numeric features being built, taking only what the selection wants. */
  private static final class Selected {
    final FeatureSelection selection;
    final Map<String, Double> values = new HashMap<>();

    Selected(FeatureSelection selection) {
      this.selection = selection;
    }

    void metric(String metric, String kind, double value) {
      if (selection.wants(metric, kind)) {
        values.put(FeatureNames.of(metric, kind), value);
      }
    }

    void account(String name, double value) {
      if (selection.wantsAccount(name)) {
        values.put(name, value);
      }
    }
  }

  private static void metricFeatures(
      String metric,
      List<DailyRollup> days,
      FeatureHorizon horizon,
      Selected numbers,
      Map<String, String> labels,
      FeatureSelection selection) {
    long endDay = horizon.endDay();
    long firstAtMillis = Long.MAX_VALUE;
    DailyRollup last = days.get(0);
    // Every window in one pass over the days, each total summed in the days' order.
    long[] counts = new long[WINDOWS.length];
    double[] sums = new double[WINDOWS.length];
    long earlierCount = 0;
    double earlierSum = 0;
    long peakUsers = 0;
    for (DailyRollup r : days) {
      firstAtMillis = Math.min(firstAtMillis, r.firstAtMillis());
      if (r.epochDay() > last.epochDay()) {
        last = r;
      }
      long age = endDay - r.epochDay(); // 1 for the day before the end day
      for (int i = 0; i < WINDOWS.length; i++) {
        if (age <= WINDOWS[i]) {
          counts[i] += r.count();
          sums[i] += r.sum();
        }
      }
      if (age > 30 && age <= 60) {
        earlierCount += r.count();
        earlierSum += r.sum();
      }
      if (age <= 30) {
        peakUsers = Math.max(peakUsers, r.distinctUsers());
      }
    }
    // A metric carries numbers or labels; its latest signal decides which when both occur.
    boolean labelled = last.lastLabel() != null;
    for (int i = 0; i < WINDOWS.length; i++) {
      numbers.metric(metric, COUNT_KINDS[i], counts[i]);
      if (!labelled) {
        numbers.metric(metric, SUM_KINDS[i], sums[i]);
        if (counts[i] > 0) {
          numbers.metric(metric, MEAN_KINDS[i], sums[i] / counts[i]);
        }
      }
    }
    if (!labelled) {
      if (earlierCount > 0 && earlierSum != 0) {
        numbers.metric(metric, "trend_30d", sums[THIRTY_DAYS] / earlierSum - 1);
      }
      numbers.metric(metric, "last", last.lastValue());
    } else if (selection.wantsLabel(metric)) {
      labels.put(metric, last.lastLabel());
    }
    numbers.metric(metric, "days_since_last", daysBefore(horizon, last.lastAtMillis()));
    numbers.metric(metric, "days_since_first", daysBefore(horizon, firstAtMillis));
    numbers.metric(metric, "peak_daily_users_30d", peakUsers);
  }

  /** The rollups ordered by metric, then day: as given when they already are (an account read is). */
  private static List<DailyRollup> byMetricThenDay(List<DailyRollup> rollups) {
    for (int i = 1; i < rollups.size(); i++) {
      if (ORDER.compare(rollups.get(i - 1), rollups.get(i)) > 0) {
        List<DailyRollup> sorted = new ArrayList<>(rollups);
        sorted.sort(ORDER);
        return sorted;
      }
    }
    return rollups;
  }

  private static String[] kinds(String prefix) {
    String[] kinds = new String[WINDOWS.length];
    for (int i = 0; i < WINDOWS.length; i++) {
      kinds[i] = prefix + WINDOWS[i] + "d";
    }
    return kinds;
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
      long peakUsers,
      Selected numbers) {
    long asOfMillis = asOf.toEpochMilli();
    if (account.contractStart() != null && !account.contractStart().isAfter(asOf)) {
      numbers.account(
          "account.tenure_days", Math.floorDiv(asOfMillis - account.contractStart().toEpochMilli(), MILLIS_PER_DAY));
    }
    if (account.renewalDate() != null) {
      numbers.account(
          "account.days_to_renewal", Math.floorDiv(account.renewalDate().toEpochMilli() - asOfMillis, MILLIS_PER_DAY));
    }
    numbers.account("account.mrr", account.mrr());
    numbers.account("account.mrr_change_90d", mrrChange90d);
    numbers.account("account.licenses", account.licenses());
    numbers.account("account.children", children);
    numbers.account("account.peak_daily_users_30d", peakUsers);
  }
}
