package io.healthscore.signals.features;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which features a read wants: everything, or exact names, metrics with kinds of features, labels
 * and the per-account features. The calculator asks it before computing anything, so a narrow read
 * of a wide account costs only what it names. Names that match no feature simply select nothing.
 */
public final class FeatureSelection {
  /** Every kind of per-metric feature (docs/features.md), the part of a name after the metric. */
  public static final Set<String> METRIC_KINDS =
      Set.copyOf(
          List.of(
              "count_7d", "count_30d", "count_60d", "count_90d",
              "sum_7d", "sum_30d", "sum_60d", "sum_90d",
              "mean_7d", "mean_30d", "mean_60d", "mean_90d",
              "trend_30d", "last", "days_since_last", "days_since_first",
              "distinct_users_30d", "peak_daily_users_30d"));

  /** Prefixes of the per-account features and labels. */
  static final String ACCOUNT_PREFIX = "account.";
  static final String ATTRIBUTE_PREFIX = "attr.";

  private static final FeatureSelection EVERYTHING =
      new FeatureSelection(true, Map.of(), Set.of(), Set.of(), false);

  private final boolean everything;
  private final Map<String, Set<String>> kindsByMetric;
  private final Set<String> metricLabels;
  private final Set<String> accountNames;
  private final boolean accountAttributes;

  private FeatureSelection(
      boolean everything,
      Map<String, Set<String>> kindsByMetric,
      Set<String> metricLabels,
      Set<String> accountNames,
      boolean accountAttributes) {
    this.everything = everything;
    this.kindsByMetric = kindsByMetric;
    this.metricLabels = metricLabels;
    this.accountNames = accountNames;
    this.accountAttributes = accountAttributes;
  }

  /** Every feature and label the account has. */
  public static FeatureSelection everything() {
    return EVERYTHING;
  }

  /**
   * A selection; all empty (and {@code accountAttributes} false) means everything.
   *
   * @param names exact feature names, e.g. "logins.sum_30d", "account.mrr", "attr.region"
   * @param kindsByMetric metrics with the kinds wanted of each (empty: every kind); a labelled
   *     metric's label comes with it
   * @param labels label names, e.g. "csm.champion", "account.plan", "attr.region"
   * @param accountAttributes every per-account feature and label ("account.*", "attr.*")
   */
  public static FeatureSelection of(
      Collection<String> names,
      Map<String, ? extends Collection<String>> kindsByMetric,
      Collection<String> labels,
      boolean accountAttributes) {
    if (names.isEmpty() && kindsByMetric.isEmpty() && labels.isEmpty() && !accountAttributes) {
      return EVERYTHING;
    }
    Map<String, Set<String>> kinds = new HashMap<>();
    Set<String> metricLabels = new HashSet<>();
    Set<String> accountNames = new HashSet<>();
    kindsByMetric.forEach(
        (metric, wanted) -> {
          addKinds(kinds, metric, wanted.isEmpty() ? METRIC_KINDS : wanted);
          metricLabels.add(metric);
        });
    for (String name : names) {
      if (isAccountName(name)) {
        accountNames.add(name);
      }
      int dot = name.lastIndexOf('.');
      if (dot > 0 && METRIC_KINDS.contains(name.substring(dot + 1))) {
        addKinds(kinds, name.substring(0, dot), Set.of(name.substring(dot + 1)));
      }
    }
    for (String label : labels) {
      (isAccountName(label) ? accountNames : metricLabels).add(label);
    }
    return new FeatureSelection(false, kinds, metricLabels, accountNames, accountAttributes);
  }

  private static void addKinds(Map<String, Set<String>> kinds, String metric, Collection<String> wanted) {
    kinds.computeIfAbsent(metric, m -> new HashSet<>()).addAll(wanted);
  }

  private static boolean isAccountName(String name) {
    return name.startsWith(ACCOUNT_PREFIX) || name.startsWith(ATTRIBUTE_PREFIX);
  }

  public boolean isEverything() {
    return everything;
  }

  /** Whether any feature or the label of {@code metric} is wanted. */
  public boolean wantsMetric(String metric) {
    return everything || kindsByMetric.containsKey(metric) || metricLabels.contains(metric);
  }

  /** Whether the feature {@code metric.kind} is wanted. */
  public boolean wants(String metric, String kind) {
    if (everything) {
      return true;
    }
    Set<String> kinds = kindsByMetric.get(metric);
    return kinds != null && kinds.contains(kind);
  }

  /** Whether the label of {@code metric} is wanted. */
  public boolean wantsLabel(String metric) {
    return everything || metricLabels.contains(metric);
  }

  /**
   * Whether computing the selection for an account needs the rollups of every metric, not only of
   * the metrics it wants: the per-account user features count users and peaks across all of them,
   * license utilization too, but only for an account with licenses ({@code mayHaveLicenses}).
   */
  public boolean needsEveryMetric(boolean mayHaveLicenses) {
    return wantsAccount("account.active_users_30d")
        || wantsAccount("account.peak_daily_users_30d")
        || (mayHaveLicenses && wantsAccount("account.license_utilization"));
  }

  /** Whether the per-account feature or label {@code name} ("account.mrr", "attr.region") is wanted. */
  public boolean wantsAccount(String name) {
    return everything || accountAttributes || accountNames.contains(name);
  }
}
