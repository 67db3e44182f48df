package io.healthscore.scoring.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LogisticRegressionTest {
  @Test
  void waldZSeparatesAPredictiveInputFromNoise() {
    Random r = new Random(7);
    int n = 2000;
    double[][] x = new double[n][3];
    boolean[] y = new boolean[n];
    for (int i = 0; i < n; i++) {
      x[i][0] = r.nextGaussian();
      x[i][1] = r.nextGaussian();
      x[i][2] = 5; // constant: no information, z 0
      y[i] = r.nextDouble() < 1 / (1 + Math.exp(-(2 * x[i][0] - 0.5)));
    }
    LogisticRegression.Fit fit = LogisticRegression.fit(x, y, 1.0);
    assertEquals(2, fit.coefficients()[0], 0.3);
    assertTrue(fit.z()[0] > 10, "predictive z " + fit.z()[0]);
    assertTrue(Math.abs(fit.z()[1]) < 3, "noise z " + fit.z()[1]);
    assertEquals(0, fit.z()[2], 1e-9);
  }
}
