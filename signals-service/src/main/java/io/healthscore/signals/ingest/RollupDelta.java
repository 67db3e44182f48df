package io.healthscore.signals.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The rollup changes of one checkpoint interval, by account and metric. The checkpoint that writes
 * them stamps its id on every row it touches, which is how a reader tells whether a stored row
 * already contains this delta. Not thread-safe: the engine guards it.
 */
final class RollupDelta {
  private static final long MILLIS_PER_DAY = 86_400_000L;

  /** Interface for whatever visits the days of every account and metric. */
  interface MetricVisitor {
    void visit(String accountId, MetricDays days);
  }

  final long checkpointId;
  private final HashMap<String, HashMap<String, MetricDays>> accounts = new HashMap<>();
  private final UnaryOperator<String> metricNames;
  private int rollups;
  private long users;

  /** {@code metricNames} maps a metric to a shared instance, so that accounts share its String. */
  RollupDelta(long checkpointId, UnaryOperator<String> metricNames) {
    this.checkpointId = checkpointId;
    this.metricNames = metricNames;
  }

  void add(
      String accountId,
      String metric,
      boolean isLabel,
      double number,
      String label,
      long occurredAtMillis,
      long userHash,
      long sequence) {
    add(metricsOf(accountId), metric, isLabel, number, label, occurredAtMillis, userHash, sequence);
  }

  /** The account's rollups by metric (created empty if new), to add many signals of it with one lookup. */
  HashMap<String, MetricDays> metricsOf(String accountId) {
    HashMap<String, MetricDays> metrics = accounts.get(accountId);
    if (metrics == null) {
      metrics = new HashMap<>();
      accounts.put(accountId, metrics);
    }
    return metrics;
  }

  /** Adds a signal to one account's rollups, {@code metrics} from {@link #metricsOf}. */
  void add(
      HashMap<String, MetricDays> metrics,
      String metric,
      boolean isLabel,
      double number,
      String label,
      long occurredAtMillis,
      long userHash,
      long sequence) {
    long day = Math.floorDiv(occurredAtMillis, MILLIS_PER_DAY);
    MetricDays days = metrics.get(metric);
    if (days == null) {
      days = new MetricDays(metricNames.apply(metric));
      metrics.put(days.metric, days);
    }
    int before = days.size();
    HotRollup rollup = days.getOrAdd(day);
    rollups += days.size() - before;
    if (rollup.add(isLabel, number, label, occurredAtMillis, userHash, sequence)) {
      users++;
    }
  }

  /** The rollup of the account, metric and day, or null. */
  HotRollup find(String accountId, String metric, long epochDay) {
    HashMap<String, MetricDays> metrics = accounts.get(accountId);
    MetricDays days = metrics == null ? null : metrics.get(metric);
    return days == null ? null : days.find(epochDay);
  }

  int rollupCount() {
    return rollups;
  }

  /**
   * Rough heap held: a rollup with its map entry and chain about {@value #BYTES_PER_ROLLUP} bytes,
   * a user hash 8 bytes in a hash set between a quarter and half full (counted at the worst).
   */
  long estimatedBytes() {
    return rollups * BYTES_PER_ROLLUP + users * BYTES_PER_USER;
  }

  static final long BYTES_PER_ROLLUP = 200;
  static final long BYTES_PER_USER = 32;

  boolean isEmpty() {
    return rollups == 0;
  }

  /** Copies of the account's rollups of the metrics {@code wanted} with a day in [from, to). */
  List<HotRollup> copies(String accountId, long fromDay, long toDay, Predicate<String> wanted) {
    List<HotRollup> copies = new ArrayList<>();
    HashMap<String, MetricDays> metrics = accounts.get(accountId);
    if (metrics != null) {
      for (MetricDays days : metrics.values()) {
        if (!wanted.test(days.metric)) {
          continue;
        }
        for (int i = 0; i < days.size(); i++) {
          HotRollup r = days.get(i);
          if (r.epochDay >= fromDay && r.epochDay < toDay) {
            copies.add(r.copy());
          }
        }
      }
    }
    return copies;
  }

  /** Metrics the account received in this interval. */
  List<String> metrics(String accountId) {
    HashMap<String, MetricDays> metrics = accounts.get(accountId);
    return metrics == null ? List.of() : new ArrayList<>(metrics.keySet());
  }

  /** Visits the days of every account and metric. */
  void forEachMetric(MetricVisitor visitor) {
    for (Map.Entry<String, HashMap<String, MetricDays>> account : accounts.entrySet()) {
      for (MetricDays days : account.getValue().values()) {
        visitor.visit(account.getKey(), days);
      }
    }
  }
}
