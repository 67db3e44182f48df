package io.healthscore.scoring.engine;

/** Sorted values per segment and feature, for percentile measures. */
public final class SegmentDistributions {
  public static SegmentDistributions build(CompiledScorecard sc, Iterable<AccountSnapshot> snapshots) {
    throw new UnsupportedOperationException("not yet");
  }

  public static SegmentDistributions empty() {
    throw new UnsupportedOperationException("not yet");
  }
}
