package io.healthscore.scoring.engine;

import io.healthscore.v1.Band;

/** One account's computed score on one scorecard, compact enough to cache a million of them. */
public final class ComputedScore {
  public String scorecardId() { throw new UnsupportedOperationException("not yet"); }
  public long version() { throw new UnsupportedOperationException("not yet"); }
  public float score() { throw new UnsupportedOperationException("not yet"); }
  public Band computedBand() { throw new UnsupportedOperationException("not yet"); }
  public float coverage() { throw new UnsupportedOperationException("not yet"); }
  public float proactiveShare() { throw new UnsupportedOperationException("not yet"); }
  public long computedAtMillis() { throw new UnsupportedOperationException("not yet"); }
  public boolean noData() { throw new UnsupportedOperationException("not yet"); }
  public float[] values() { throw new UnsupportedOperationException("not yet"); }
}
