package io.healthscore.scoring.learn;

import static io.healthscore.scoring.testing.TestCards.account;
import static io.healthscore.scoring.testing.TestCards.compiled;
import static io.healthscore.scoring.testing.TestCards.linear;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.scorecard.ScorecardValidator;
import io.healthscore.scoring.scorecard.ScorecardYaml;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.Direction;
import io.healthscore.v1.Measure;
import io.healthscore.v1.MissingPolicy;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.Threshold;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PointsCalibratorTest {
  /**
   * Churn steps at 3 logins (0.55 below, 0.1 above); tickets raise it from 6 on; NPS missing for
   * a third of accounts, who churn more; a noise measure. The hand-made card maps logins and NPS
   * linearly, tickets and noise too, all at equal weight.
   */
  static final CompiledScorecard HAND =
      compiled(
          linear("logins", "logins.sum_30d", 0, 30).setDirection(Direction.DIRECTION_HIGHER_IS_BETTER),
          linear("tickets", "tickets.count_30d", 10, 0).setDirection(Direction.DIRECTION_LOWER_IS_BETTER),
          linear("nps", "nps.last", 0, 10),
          linear("noise", "noise.last", 0, 10));

  static List<LabeledSnapshot> world(int n, long seed) {
    Random r = new Random(seed);
    List<LabeledSnapshot> samples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double logins = r.nextInt(30);
      double tickets = r.nextInt(10);
      boolean npsMissing = r.nextDouble() < 0.33;
      double logit = (logins < 3 ? 0.2 : -2.2) + (tickets >= 6 ? 1.0 : 0) + (npsMissing ? 0.8 : 0);
      boolean churned = r.nextDouble() < 1 / (1 + Math.exp(-logit));
      Map<String, Double> f = new HashMap<>();
      f.put("logins.sum_30d", logins);
      f.put("tickets.count_30d", tickets);
      f.put("noise.last", r.nextDouble() * 10);
      if (!npsMissing) {
        f.put("nps.last", r.nextDouble() * 10);
      }
      samples.add(new LabeledSnapshot("acct-" + i, 0, account("acct-" + i, "smb", f, Map.of()), churned, 100));
    }
    return samples;
  }

  static Measure measure(Scorecard sc, String id) {
    return sc.getComponents(0).getMeasuresList().stream().filter(m -> m.getMeasureId().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void learnsStepsAtTheThresholdsMonotoneInEachDirectionAndTheWeights() {
    CalibrationResult result = PointsCalibrator.calibrate(HAND, world(6000, 3), 90, 42);
    CalibrationReport report = result.report();
    Scorecard learned = result.calibratedScorecard();
    assertEquals(List.of(), ScorecardValidator.validate(learned, null));
    assertEquals("points", report.getModelKind());
    assertTrue(report.getAuc() > report.getBaselineAuc() + 0.03, report.getAuc() + " vs hand " + report.getBaselineAuc());

    Measure logins = measure(learned, "logins");
    List<Threshold> steps = logins.getThresholds().getThresholdsList();
    assertTrue(steps.stream().anyMatch(t -> t.getAt() >= 2 && t.getAt() <= 4), "a step near 3 logins: " + steps);
    assertTrue(logins.getThresholds().getBelowPoints() <= 1, "few logins earn nothing: " + logins);
    double previous = logins.getThresholds().getBelowPoints();
    for (Threshold t : steps) {
      assertTrue(t.getPoints() >= previous, "higher is better: points never fall " + steps);
      previous = t.getPoints();
    }
    Measure tickets = measure(learned, "tickets");
    List<Threshold> ticketSteps = tickets.getThresholds().getThresholdsList();
    for (int i = 1; i < ticketSteps.size(); i++) {
      assertTrue(ticketSteps.get(i).getAt() < ticketSteps.get(i - 1).getAt(), "lower is better: steps go down");
      assertTrue(ticketSteps.get(i).getPoints() >= ticketSteps.get(i - 1).getPoints(), ticketSteps.toString());
    }
    assertTrue(ticketSteps.stream().anyMatch(t -> t.getAt() >= 5 && t.getAt() <= 6), "a step at 6 tickets: " + tickets);

    Measure nps = measure(learned, "nps");
    assertEquals(MissingPolicy.MISSING_POLICY_FIXED, nps.getMissingPolicy());
    assertTrue(nps.getMissingPoints() < 3, "a missing NPS is a risk: " + nps);

    double loginsShare = report.getWeights(0).getWeight();
    double noiseShare = report.getWeights(3).getWeight();
    assertTrue(loginsShare > 0.3, "logins carry the most weight: " + report.getWeightsList());
    assertTrue(noiseShare < loginsShare / 3, "noise little: " + report.getWeightsList());
    assertEquals(loginsShare, CompiledScorecard.compile(learned).nominalShare(0), 1e-9);
  }

  @Test
  void theLearnedScorecardReadsBackFromItsYaml() {
    Scorecard learned = PointsCalibrator.calibrate(HAND, world(3000, 5), 90, 42).calibratedScorecard();
    String yaml = ScorecardYaml.write(learned, "learned from 3000 outcomes");
    assertTrue(yaml.startsWith("# learned from 3000 outcomes\n"), yaml);
    assertTrue(yaml.contains("direction: lower_is_better"), yaml);
    assertTrue(!yaml.contains("version"), "output-only fields left out: " + yaml);
    Scorecard back = ScorecardYaml.parse(yaml, "learned.yaml");
    assertEquals(learned.toBuilder().clearVersion().build(), back);
  }

  @Test
  void poolsAdjacentViolatorsIntoTheClosestMonotoneShape() {
    assertArrayEquals(new double[] {3, 2, 2, 1}, PointsCalibrator.monotone(new double[] {3, 1, 3, 1}, new double[] {1, 1, 1, 1}, false), 1e-12);
    assertArrayEquals(new double[] {1, 2, 2, 3}, PointsCalibrator.monotone(new double[] {1, 3, 1, 3}, new double[] {1, 1, 1, 1}, true), 1e-12);
  }
}
