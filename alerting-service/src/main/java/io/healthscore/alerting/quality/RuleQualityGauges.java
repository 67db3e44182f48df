package io.healthscore.alerting.quality;

import io.healthscore.v1.RuleQuality;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * healthscore_alerting_rule_precision{rule_id}: each rule's precision so far, for dashboards that
 * show which rules are worth their alerts. Rule ids are operator configuration, a bounded set.
 * Rules without verdicts yet report NaN (no data) rather than a misleading 0.
 */
public final class RuleQualityGauges {
  private final MeterRegistry registry;
  private final Map<String, Double> precisionByRule = new ConcurrentHashMap<>();
  private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();

  public RuleQualityGauges(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Publishes the report; gauges of rules no longer in it are removed. */
  public synchronized void update(List<RuleQuality> report) {
    Set<String> present = new HashSet<>();
    for (RuleQuality q : report) {
      present.add(q.getRuleId());
      precisionByRule.put(q.getRuleId(), q.hasPrecision() ? q.getPrecision() : Double.NaN);
      gauges.computeIfAbsent(q.getRuleId(), id ->
          Gauge.builder("healthscore.alerting.rule.precision", precisionByRule, m -> m.getOrDefault(id, Double.NaN))
              .description("Share of a rule's judged alerts that were followed by churn or contraction")
              .tag("rule_id", id)
              .register(registry));
    }
    for (String id : Set.copyOf(gauges.keySet())) {
      if (!present.contains(id)) {
        registry.remove(gauges.remove(id));
        precisionByRule.remove(id);
      }
    }
  }
}
