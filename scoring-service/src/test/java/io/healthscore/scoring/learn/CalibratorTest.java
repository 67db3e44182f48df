package io.healthscore.scoring.learn;

import static io.healthscore.scoring.testing.TestCards.account;
import static io.healthscore.scoring.testing.TestCards.compiled;
import static io.healthscore.scoring.testing.TestCards.ctx;
import static io.healthscore.scoring.testing.TestCards.linear;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.scoring.scorecard.ScorecardValidator;
import io.healthscore.v1.Band;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.LearnedWeight;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CalibratorTest {
  private static final CompiledScorecard SC =
      compiled(linear("signal", "usage.mean_30d", 0, 10), linear("noise", "noise.last", 0, 10));

  /** Churn depends on the signal only: p = 1 / (1 + exp(-(2 - 0.8 × signal))). */
  static List<LabeledSnapshot> synthetic(int n, long seed, double slope) {
    Random r = new Random(seed);
    List<LabeledSnapshot> samples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double signal = r.nextDouble() * 10;
      double noise = r.nextDouble() * 10;
      double p = 1 / (1 + Math.exp(-(2 + slope * signal)));
      boolean churned = r.nextDouble() < p;
      var snapshot = account("acct-" + i, "smb", Map.of("usage.mean_30d", signal, "noise.last", noise), Map.of());
      samples.add(new LabeledSnapshot("acct-" + i, 0, snapshot, churned, 100));
    }
    return samples;
  }

  @Test
  void theMeasureThatPredictsChurnGetsTheWeightAndNoiseNone() {
    CalibrationResult result = Calibrator.calibrate(SC, synthetic(3000, 7, -0.8), 90, 42);
    CalibrationReport report = result.report();
    LearnedWeight signal = report.getWeights(0);
    LearnedWeight noise = report.getWeights(1);
    assertEquals("signal", signal.getMeasureId());
    assertTrue(signal.getCoefficient() < -0.5, "coefficient " + signal.getCoefficient());
    assertTrue(signal.getWeight() > 0.9, "signal weight " + signal.getWeight());
    assertTrue(noise.getWeight() < 0.05, "noise weight " + noise.getWeight());
    assertEquals(0.5, signal.getPreviousWeight(), 1e-9);
    assertTrue(report.getAuc() > 0.75, "auc " + report.getAuc());
    assertTrue(report.getBaselineAuc() < report.getAuc(), "hand weights dilute the signal with noise");
    assertTrue(report.getBrier() > 0 && report.getBrier() < 0.25, "brier " + report.getBrier());
    assertEquals(3000, report.getSamples());
    assertTrue(report.getPositives() > 300);
    assertEquals(9, report.getBucketsCount());
    assertFalse(result.keptHandWeights());

    var calibrated = result.calibratedScorecard();
    assertEquals(List.of(), ScorecardValidator.validate(calibrated, null));
    CompiledScorecard compiledCalibrated = CompiledScorecard.compile(calibrated);
    assertEquals(signal.getWeight(), compiledCalibrated.nominalShare(0), 1e-9);

    // Low buckets churn more than high ones, and the model's predictions follow.
    var low = report.getBuckets(1);
    var high = report.getBuckets(8);
    assertTrue(low.getChurnRate() > high.getChurnRate());
    assertTrue(low.getPredicted() > high.getPredicted());
  }

  @Test
  void modelSurvivesStorageAndPredictsLessChurnForMorePoints() {
    ChurnModel model = Calibrator.calibrate(SC, synthetic(2000, 3, -0.8), 90, 1).model();
    ChurnModel stored = ChurnModel.fromBytes(model.toBytes());
    assertEquals(model.modelId(), stored.modelId());
    assertEquals("test", stored.scorecardId());
    assertEquals(90, stored.horizonDays());
    assertArrayEquals(model.coefficients(), stored.coefficients());
    ComputedScore healthy = SC.score(account(Map.of("usage.mean_30d", 9.0, "noise.last", 5.0)), ctx(), Band.BAND_UNSPECIFIED);
    ComputedScore poor = SC.score(account(Map.of("usage.mean_30d", 1.0, "noise.last", 5.0)), ctx(), Band.BAND_UNSPECIFIED);
    ComputedScore unknown = SC.score(account(Map.of()), ctx(), Band.BAND_UNSPECIFIED);
    double pHealthy = stored.churnProbability(SC, healthy);
    double pPoor = stored.churnProbability(SC, poor);
    assertEquals(model.churnProbability(SC, healthy), pHealthy, 1e-12);
    assertTrue(pPoor > 0.7 && pHealthy < 0.1, pPoor + " " + pHealthy);
    double pUnknown = stored.churnProbability(SC, unknown);
    assertTrue(pUnknown > pHealthy && pUnknown < pPoor, "missing counts at the mean: " + pUnknown);
    assertThrows(IllegalArgumentException.class, () -> ChurnModel.fromBytes("{}".getBytes()));
  }

  @Test
  void sameSeedSameResult() {
    List<LabeledSnapshot> samples = synthetic(500, 11, -0.8);
    assertEquals(Calibrator.calibrate(SC, samples, 90, 5).report(), Calibrator.calibrate(SC, samples, 90, 5).report());
  }

  @Test
  void noPredictiveMeasureKeepsTheHandWeights() {
    CalibrationResult result = Calibrator.calibrate(SC, synthetic(2000, 5, 0.8), 90, 42);
    assertTrue(result.keptHandWeights());
    assertEquals(SC.source(), result.calibratedScorecard());
    assertEquals(0.5, result.report().getWeights(0).getWeight(), 1e-9);
  }

  @Test
  void tooFewSamplesIsAFailedPrecondition() {
    assertThrows(FailedPreconditionException.class, () -> Calibrator.calibrate(SC, synthetic(10, 1, -0.8), 90, 1));
  }
}
