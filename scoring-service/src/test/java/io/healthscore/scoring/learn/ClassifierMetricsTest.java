package io.healthscore.scoring.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.scoring.learn.ebm.FeatureColumn;
import io.healthscore.scoring.learn.ebm.TrainingTable;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassifierMetricsTest {
  private static final double[] P = {0.9, 0.8, 0.7, 0.2, 0.1};
  private static final boolean[] Y = {true, false, true, false, false};

  @Test
  void brierAndLogLossAreMeansOverRows() {
    assertEquals((0.01 + 0.64 + 0.09 + 0.04 + 0.01) / 5, ClassifierMetrics.brier(P, Y), 1e-12);
    double expected =
        -(Math.log(0.9) + Math.log(0.2) + Math.log(0.7) + Math.log(0.8) + Math.log(0.9)) / 5;
    assertEquals(expected, ClassifierMetrics.logLoss(P, Y), 1e-12);
  }

  @Test
  void averagePrecisionAndLiftRankTheChurned() {
    // churned at ranks 1 and 3: precision 1/1 and 2/3
    assertEquals((1 + 2.0 / 3) / 2, ClassifierMetrics.prAuc(P, Y), 1e-12);
    // the top decile of 5 rows is the first row, churned; overall rate 2/5
    assertEquals(2.5, ClassifierMetrics.topDecileLift(P, Y), 1e-12);
  }

  @Test
  void calibrationErrorIsZeroForMatchingRatesAndLargeForOverconfidence() {
    double[] p = new double[1000];
    boolean[] y = new boolean[1000];
    for (int i = 0; i < 1000; i++) {
      p[i] = 0.25;
      y[i] = i % 4 == 0;
    }
    assertEquals(0, ClassifierMetrics.expectedCalibrationError(p, y), 1e-12);
    java.util.Arrays.fill(p, 0.95);
    assertEquals(0.7, ClassifierMetrics.expectedCalibrationError(p, y), 1e-12);
  }

  @Test
  void theLogisticBaselineLearnsALinearEffectAndACategory() {
    Random r = new Random(3);
    int n = 4000;
    double[] x = new double[n];
    String[] plan = new String[n];
    boolean[] y = new boolean[n];
    for (int i = 0; i < n; i++) {
      x[i] = i % 10 == 0 ? Double.NaN : r.nextGaussian();
      plan[i] = r.nextBoolean() ? "basic" : "pro";
      double z = (Double.isNaN(x[i]) ? 0 : 2 * x[i]) + ("basic".equals(plan[i]) ? 1 : -1);
      y[i] = r.nextDouble() < 1 / (1 + Math.exp(-z));
    }
    TrainingTable table =
        new TrainingTable(List.of(FeatureColumn.numeric("x", x), FeatureColumn.categorical("plan", plan)), y);
    double[] p = LogisticBaseline.fit(table).predict(table);
    assertTrue(Auc.of(p, y) > 0.8, "AUC " + Auc.of(p, y));
    assertTrue(ClassifierMetrics.expectedCalibrationError(p, y) < 0.05);
  }
}
