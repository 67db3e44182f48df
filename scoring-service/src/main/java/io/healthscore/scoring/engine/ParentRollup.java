package io.healthscore.scoring.engine;

import java.util.List;

/** Combines child account scores into a parent's score. */
public final class ParentRollup {
  private ParentRollup() {}

  /** Each element is {score, mrr}. */
  public static double combine(io.healthscore.v1.ParentRollup mode, List<double[]> childScoreAndMrr) {
    throw new UnsupportedOperationException("not yet");
  }
}
