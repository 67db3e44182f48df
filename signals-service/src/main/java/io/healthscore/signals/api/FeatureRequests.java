package io.healthscore.signals.api;

import com.google.protobuf.Timestamp;
import io.healthscore.runtime.error.Violations;
import io.healthscore.signals.features.FeatureHorizon;
import io.healthscore.signals.features.FeatureSelection;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.MetricFeatures;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Validates and maps the parts feature reads share: the projection and the as-of moment. */
final class FeatureRequests {
  private static final String KNOWN_KINDS = String.join(", ", new TreeSet<>(FeatureSelection.METRIC_KINDS));

  private FeatureRequests() {}

  /**
   * The selection a projection asks for (everything when it is empty). Names and labels that match
   * no feature select nothing; empty strings and unknown kinds are violations of {@code field}.
   */
  static FeatureSelection selection(FeatureProjection projection, String field, Violations v) {
    checkNames(projection.getNamesList(), field + ".names", v);
    checkNames(projection.getLabelsList(), field + ".labels", v);
    Map<String, Set<String>> kindsByMetric = new LinkedHashMap<>();
    for (int i = 0; i < projection.getMetricsCount(); i++) {
      MetricFeatures metric = projection.getMetrics(i);
      String prefix = field + ".metrics[" + i + "]";
      v.check(!metric.getMetric().isEmpty(), prefix + ".metric", "must not be empty");
      for (int k = 0; k < metric.getKindsCount(); k++) {
        String kind = metric.getKinds(k);
        v.check(
            FeatureSelection.METRIC_KINDS.contains(kind),
            prefix + ".kinds[" + k + "]",
            "unknown kind '" + kind + "'; known kinds: " + KNOWN_KINDS);
      }
      kindsByMetric.computeIfAbsent(metric.getMetric(), m -> new TreeSet<>()).addAll(metric.getKindsList());
      if (metric.getKindsCount() == 0) {
        kindsByMetric.get(metric.getMetric()).addAll(FeatureSelection.METRIC_KINDS);
      }
    }
    return FeatureSelection.of(
        projection.getNamesList(), kindsByMetric, projection.getLabelsList(), projection.getAccountAttributes());
  }

  private static void checkNames(List<String> names, String field, Violations v) {
    for (int i = 0; i < names.size(); i++) {
      v.check(!names.get(i).isEmpty(), field + "[" + i + "]", "must not be empty");
    }
  }

  /**
   * Live features at {@code now} without an as-of moment; point-in-time features (whole days before
   * its day) with one. Null, with a violation of {@code field}, for an invalid timestamp.
   */
  static FeatureHorizon horizon(boolean present, Timestamp asOf, Instant now, String field, Violations v) {
    if (!present) {
      return FeatureHorizon.live(now);
    }
    if (!v.check(ProtoMapping.isValid(asOf), field, "must be a valid timestamp")) {
      return null;
    }
    return FeatureHorizon.pointInTime(ProtoMapping.toInstant(asOf));
  }
}
