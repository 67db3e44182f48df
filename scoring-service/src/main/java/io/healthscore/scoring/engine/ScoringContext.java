package io.healthscore.scoring.engine;

/**
 * What scoring one account needs beyond its own snapshot: the time, the segment distributions of
 * percentile measures, and the metrics the portfolio has ever sent.
 */
public record ScoringContext(long nowMillis, SegmentDistributions distributions, MetricCatalog metrics) {
  /** Without a metric catalog: each account's own data decides what is missing. */
  public ScoringContext(long nowMillis, SegmentDistributions distributions) {
    this(nowMillis, distributions, MetricCatalog.UNKNOWN);
  }
}
