package io.healthscore.scoring.engine;

import java.util.List;

/**
 * Combines child account scores into a parent's score, as the scorecard's {@code parent_rollup}
 * says. The serving side applies it; the engine scores each account on its own features.
 */
public final class ParentRollup {
  private ParentRollup() {}

  /**
   * Each element is {@code {score, mrr}}. MRR-weighted mean (plain mean when no child has MRR) or
   * the worst child's score. NaN when there are no children or the mode is the parent's own score,
   * so the caller keeps the parent's own score.
   */
  public static double combine(io.healthscore.v1.ParentRollup mode, List<double[]> childScoreAndMrr) {
    if (childScoreAndMrr.isEmpty()) {
      return Double.NaN;
    }
    switch (mode) {
      case PARENT_ROLLUP_MRR_WEIGHTED_MEAN -> {
        double weighted = 0;
        double mrr = 0;
        double plain = 0;
        for (double[] child : childScoreAndMrr) {
          double m = Math.max(0, child[1]);
          weighted += child[0] * m;
          mrr += m;
          plain += child[0];
        }
        return mrr > 0 ? weighted / mrr : plain / childScoreAndMrr.size();
      }
      case PARENT_ROLLUP_WORST_CHILD -> {
        double worst = Double.POSITIVE_INFINITY;
        for (double[] child : childScoreAndMrr) {
          worst = Math.min(worst, child[0]);
        }
        return worst;
      }
      default -> {
        return Double.NaN;
      }
    }
  }
}
