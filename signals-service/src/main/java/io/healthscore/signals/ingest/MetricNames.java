package io.healthscore.signals.ingest;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Gives every account's rollups the same String instance for a metric name: with a million accounts
 * and fifty metrics, one copy per name instead of one per account. Bounded, in case producers invent
 * names without end; beyond the bound names are simply not shared.
 */
final class MetricNames implements UnaryOperator<String> {
  private static final int MAX_NAMES = 100_000;
  private final ConcurrentHashMap<String, String> names = new ConcurrentHashMap<>();

  @Override
  public String apply(String metric) {
    String shared = names.get(metric);
    if (shared != null) {
      return shared;
    }
    if (names.size() >= MAX_NAMES) {
      return metric;
    }
    shared = names.putIfAbsent(metric, metric);
    return shared == null ? metric : shared;
  }
}
