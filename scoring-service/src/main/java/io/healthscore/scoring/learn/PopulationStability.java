package io.healthscore.scoring.learn;

/**
 * Population stability index between a training distribution and today's, over the same bins:
 * PSI = Σ (actual − expected) × ln(actual / expected), shares floored at 1e-4 so an empty bin
 * counts as rare, not impossible. Under 0.1 reads as stable, 0.1 to 0.25 as shifting, above 0.25 as
 * shifted. Fine bins are first merged into at most ten runs of about equal training share, since
 * PSI over a thousand sparse bins measures sampling noise.
 */
public final class PopulationStability {
  private static final double FLOOR = 1e-4;
  private static final int GROUPS = 10;

  private PopulationStability() {}

  /**
   * @param expectedShares training share per bin (bin 0, missing, stays its own group)
   * @param actualCounts rows per bin today
   * @return PSI, or NaN without rows today
   */
  public static double index(double[] expectedShares, long[] actualCounts) {
    int bins = Math.min(expectedShares.length, actualCounts.length);
    long total = 0;
    for (int b = 0; b < bins; b++) {
      total += actualCounts[b];
    }
    if (total == 0) {
      return Double.NaN;
    }
    double[] expected = new double[GROUPS + 1];
    double[] actual = new double[GROUPS + 1];
    double before = 0;
    double present = 0;
    for (int b = 1; b < bins; b++) {
      present += expectedShares[b];
    }
    expected[0] = expectedShares.length > 0 ? expectedShares[0] : 0;
    actual[0] = (double) actualCounts[0] / total;
    for (int b = 1; b < bins; b++) {
      int g = present <= 0 ? 1 : 1 + (int) Math.min(GROUPS - 1, (before + expectedShares[b] / 2) * GROUPS / present);
      expected[g] += expectedShares[b];
      actual[g] += (double) actualCounts[b] / total;
      before += expectedShares[b];
    }
    double psi = 0;
    for (int g = 0; g <= GROUPS; g++) {
      if (expected[g] == 0 && actual[g] == 0) {
        continue;
      }
      double e = Math.max(expected[g], FLOOR);
      double a = Math.max(actual[g], FLOOR);
      psi += (a - e) * Math.log(a / e);
    }
    return psi;
  }
}
