package io.healthscore.scoring.learn;

import static io.healthscore.scoring.testing.TestCards.account;
import static io.healthscore.scoring.testing.TestCards.compiled;
import static io.healthscore.scoring.testing.TestCards.linear;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.v1.BacktestReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BacktesterTest {
  /** Score = 1 + 0.9 × usage for usage in 0..10. */
  private static final CompiledScorecard SC = compiled(linear("usage", "usage.mean_30d", 0, 10));

  private static LabeledSnapshot sample(String id, double usage, boolean churned) {
    return new LabeledSnapshot(id, 0, account(id, "smb", Map.of("usage.mean_30d", usage), Map.of()), churned, 100);
  }

  @Test
  void perfectScorerHasAucOneAndInvertedZero() {
    List<LabeledSnapshot> perfect = new ArrayList<>();
    List<LabeledSnapshot> inverted = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      perfect.add(sample("p" + i, i < 10 ? i * 0.2 : 6 + i * 0.2, i < 10));
      inverted.add(sample("i" + i, i < 10 ? 6 + i * 0.2 : i * 0.1, i < 10));
    }
    assertEquals(1.0, Backtester.run(SC, null, perfect, 90).getAuc(), 1e-12);
    assertEquals(0.0, Backtester.run(SC, null, inverted, 90).getAuc(), 1e-12);
  }

  @Test
  void bandRatesLiftAndRecall() {
    List<LabeledSnapshot> samples = new ArrayList<>();
    // Red (usage 1 → score 1.9): 4 samples, 3 churned. Yellow (usage 5 → 5.5): 4, 1 churned.
    // Green (usage 9 → 9.1): 2, none churned.
    for (int i = 0; i < 4; i++) {
      samples.add(sample("r" + i, 1, i < 3));
      samples.add(sample("y" + i, 5, i < 1));
    }
    samples.add(sample("g0", 9, false));
    samples.add(sample("g1", 9, false));
    BacktestReport r = Backtester.run(SC, null, samples, 90);
    assertEquals(10, r.getSamples());
    assertEquals(4, r.getPositives());
    assertEquals(0.75, r.getRedChurnRate(), 1e-12);
    assertEquals(0.25, r.getYellowChurnRate(), 1e-12);
    assertEquals(0.0, r.getGreenChurnRate(), 1e-12);
    assertEquals(0.75 / 0.4, r.getRedLift(), 1e-12);
    assertEquals(0.75, r.getRedRecall(), 1e-12);
    assertEquals(4, r.getBuckets(0).getSamples());
    assertEquals(0.75, r.getBuckets(0).getChurnRate(), 1e-12);
    assertEquals(90, r.getHorizonDays());
    assertTrue(r.getAuc() > 0.8);
  }

  @Test
  void aModelIsJudgedByItsProbability() {
    List<LabeledSnapshot> samples = CalibratorTest.synthetic(2000, 9, -0.8);
    CompiledScorecard sc = compiled(linear("signal", "usage.mean_30d", 0, 10), linear("noise", "noise.last", 0, 10));
    ChurnModel model = Calibrator.calibrate(sc, samples, 90, 2).model();
    BacktestReport withModel = Backtester.run(sc, model, samples, 90);
    BacktestReport withScore = Backtester.run(sc, null, samples, 90);
    assertEquals(model.modelId(), withModel.getModelId());
    assertTrue(withModel.getAuc() > withScore.getAuc(), withModel.getAuc() + " vs " + withScore.getAuc());
    assertTrue(withModel.getBucketsList().stream().anyMatch(b -> b.getPredicted() > 0));
  }
}
