package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ComputedScore;

/** A logistic churn model on a scorecard's measure points. */
public final class ChurnModel {
  public String modelId() { throw new UnsupportedOperationException("not yet"); }
  public String scorecardId() { throw new UnsupportedOperationException("not yet"); }
  public long scorecardVersion() { throw new UnsupportedOperationException("not yet"); }
  public int horizonDays() { throw new UnsupportedOperationException("not yet"); }
  public double intercept() { throw new UnsupportedOperationException("not yet"); }

  public double churnProbability(CompiledScorecard sc, ComputedScore score) {
    throw new UnsupportedOperationException("not yet");
  }

  public byte[] toBytes() { throw new UnsupportedOperationException("not yet"); }

  public static ChurnModel fromBytes(byte[] bytes) { throw new UnsupportedOperationException("not yet"); }
}
