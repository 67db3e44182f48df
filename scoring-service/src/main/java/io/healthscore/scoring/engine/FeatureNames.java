package io.healthscore.scoring.engine;

import java.util.regex.Pattern;

/**
 * The feature naming of signals-service: {@code <metric>.<aggregate>} for per-metric features and
 * {@code account.<attribute>} for account features. The engine reads the aggregate to find a
 * manual input's age ({@code <metric>.days_since_last}), a milestone's date ({@code
 * <metric>.days_since_first}) and to word explanations.
 */
public final class FeatureNames {
  /** Per-metric aggregates signals-service computes. */
  private static final Pattern METRIC_FEATURE =
      Pattern.compile(
          "[a-z0-9][a-z0-9_.\\-]*\\.(count_(7d|30d|60d|90d)|sum_(7d|30d|60d|90d)"
              + "|mean_(7d|30d|60d|90d)|trend_30d|days_since_last|days_since_first|last"
              + "|distinct_users_30d|peak_daily_users_30d)");

  private static final Pattern AGGREGATE_SUFFIX =
      Pattern.compile(
          "\\.(count_(7d|30d|60d|90d)|sum_(7d|30d|60d|90d)|mean_(7d|30d|60d|90d)|trend_30d"
              + "|days_since_last|days_since_first|last|distinct_users_30d|peak_daily_users_30d)$");

  private static final Pattern ACCOUNT_FEATURE =
      Pattern.compile(
          "account\\.(tenure_days|days_to_renewal|mrr|mrr_change_90d|licenses|active_users_30d"
              + "|peak_daily_users_30d|license_utilization|children)");

  /** Account feature giving the contract age in days, used by journeys. */
  public static final String TENURE_DAYS = "account.tenure_days";

  /** What a feature measures, for wording explanations. */
  public enum Kind {
    TREND,
    DAYS_SINCE,
    OTHER
  }

  private FeatureNames() {}

  /**
   * True for a name following the signals-service patterns. The serving side may use it as the
   * validator's known-feature predicate when it has no list of features actually present.
   */
  public static boolean isWellFormed(String feature) {
    return METRIC_FEATURE.matcher(feature).matches() || ACCOUNT_FEATURE.matcher(feature).matches();
  }

  /**
   * The metric a feature aggregates ({@code survey.nps.last} → {@code survey.nps}); a name without
   * a known aggregate suffix is a metric itself (a label read from the labels map).
   */
  public static String metricOf(String feature) {
    var m = AGGREGATE_SUFFIX.matcher(feature);
    return m.find() ? feature.substring(0, m.start()) : feature;
  }

  /** The feature holding a metric's age in days. */
  public static String daysSinceLast(String metric) {
    return metric + ".days_since_last";
  }

  /** The feature holding the days since a metric's first signal. */
  public static String daysSinceFirst(String metric) {
    return metric + ".days_since_first";
  }

  public static Kind kindOf(String feature) {
    if (feature.endsWith(".trend_30d")) {
      return Kind.TREND;
    }
    if (feature.endsWith(".days_since_last") || feature.endsWith(".days_since_first")) {
      return Kind.DAYS_SINCE;
    }
    return Kind.OTHER;
  }
}
