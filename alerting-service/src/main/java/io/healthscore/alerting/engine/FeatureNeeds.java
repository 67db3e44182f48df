package io.healthscore.alerting.engine;

import io.healthscore.v1.Condition;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.Rule;
import io.healthscore.v1.SignalCondition;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What the enabled rules read of an account's features, so that feature reads name only that
 * (a response then does not grow with the number of metrics an account has). Mirrors the signal
 * conditions of {@link RuleEvaluator}; a new condition kind that reads features says so here.
 *
 * @param needed whether any enabled rule reads features at all
 * @param projection the features to ask for; the empty projection (every feature) when a rule
 *     reads every metric (no activity without a metric)
 */
public record FeatureNeeds(boolean needed, FeatureProjection projection) {
  public static final FeatureNeeds NONE = new FeatureNeeds(false, FeatureProjection.getDefaultInstance());

  /** The features the enabled rules among {@code rules} read. */
  public static FeatureNeeds of(List<Rule> rules) {
    TreeSet<String> names = new TreeSet<>();
    TreeSet<String> labels = new TreeSet<>();
    boolean[] everything = {false};
    boolean[] any = {false};
    for (Rule rule : rules) {
      if (!rule.getDisabled()) {
        collect(rule.getCondition(), names, labels, everything, any);
      }
    }
    if (!any[0]) {
      return NONE;
    }
    if (everything[0]) {
      return new FeatureNeeds(true, FeatureProjection.getDefaultInstance());
    }
    return new FeatureNeeds(true, FeatureProjection.newBuilder().addAllNames(names).addAllLabels(labels).build());
  }

  private static void collect(Condition c, TreeSet<String> names, TreeSet<String> labels, boolean[] everything,
      boolean[] any) {
    switch (c.getKindCase()) {
      case SIGNAL -> {
        any[0] = true;
        read(c.getSignal(), names, labels, everything);
      }
      case ALL_OF -> c.getAllOf().getConditionsList().forEach(child -> collect(child, names, labels, everything, any));
      case ANY_OF -> c.getAnyOf().getConditionsList().forEach(child -> collect(child, names, labels, everything, any));
      default -> { }
    }
  }

  private static void read(SignalCondition c, TreeSet<String> names, TreeSet<String> labels, boolean[] everything) {
    String metric = RuleEvaluator.signalMetric(c);
    switch (c.getKind()) {
      case SIGNAL_CONDITION_KIND_PAYMENT_FAILED, SIGNAL_CONDITION_KIND_PAYMENT_LATE -> names.add(metric + ".days_since_last");
      case SIGNAL_CONDITION_KIND_NPS_DETRACTOR -> {
        names.add(metric + ".last");
        labels.add(metric);
      }
      case SIGNAL_CONDITION_KIND_CHAMPION_LOST, SIGNAL_CONDITION_KIND_SPONSOR_LOST -> labels.add(metric);
      case SIGNAL_CONDITION_KIND_NO_ACTIVITY -> {
        if (metric.isEmpty()) {
          everything[0] = true;
        } else {
          names.add(metric + ".days_since_last");
        }
      }
      case SIGNAL_CONDITION_KIND_UNSPECIFIED, UNRECOGNIZED -> { }
    }
  }

  /** The projection as a read takes it: empty for every feature. */
  public Optional<FeatureProjection> readProjection() {
    return projection.equals(FeatureProjection.getDefaultInstance()) ? Optional.empty() : Optional.of(projection);
  }
}
