package io.healthscore.signals.features;

/** Exact distinct-user counts of one account over a window of days. */
@FunctionalInterface
public interface DistinctUsers {
  /** Distinct users over the days [fromDay, toDayExclusive), of one metric or, with null, of all. */
  long count(String metricOrNull, long fromDay, long toDayExclusive);
}
