package io.healthscore.scoring.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PopulationStabilityTest {
  @Test
  void theSameDistributionIsStableAndAShiftedOneIsNot() {
    double[] expected = new double[101];
    long[] same = new long[101];
    long[] shifted = new long[101];
    for (int b = 1; b <= 100; b++) {
      expected[b] = 0.01;
      same[b] = 50;
      shifted[b] = b > 50 ? 90 : 10; // most of today's accounts in the upper half
    }
    assertEquals(0, PopulationStability.index(expected, same), 1e-12);
    double psi = PopulationStability.index(expected, shifted);
    // two halves of five groups each: 5 × (0.18 − 0.1) ln 1.8 + 5 × (0.02 − 0.1) ln 0.2
    assertEquals(5 * 0.08 * Math.log(1.8) + 5 * 0.08 * Math.log(5), psi, 1e-9);
    assertTrue(psi > 0.25);
    assertTrue(Double.isNaN(PopulationStability.index(expected, new long[101])));
  }

  @Test
  void missingValuesAppearingCountAsDrift() {
    double[] expected = {0, 0.5, 0.5};
    long[] today = {50, 25, 25};
    assertTrue(PopulationStability.index(expected, today) > 1, "half missing where none was");
  }
}
