package io.healthscore.signals.features;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shared instances of the per-metric feature names ("logins.sum_30d"), so that bulk reads build
 * each name once instead of once per account and moment, and maps keyed by them hash it once.
 */
final class FeatureNames {
  /** Enough for every metric of a real deployment; past it names are built without caching. */
  private static final int MAX_CACHED_METRICS = 100_000;
  private static final Map<String, Map<String, String>> BY_METRIC = new ConcurrentHashMap<>();

  private FeatureNames() {}

  static String of(String metric, String kind) {
    Map<String, String> names = BY_METRIC.get(metric);
    if (names == null) {
      if (BY_METRIC.size() >= MAX_CACHED_METRICS) {
        return metric + "." + kind;
      }
      names = BY_METRIC.computeIfAbsent(metric, m -> new ConcurrentHashMap<>());
    }
    String name = names.get(kind);
    return name != null ? name : names.computeIfAbsent(kind, k -> metric + "." + k);
  }
}
