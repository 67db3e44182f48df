package io.healthscore.scoring.api;

import static io.healthscore.scoring.testing.TestCards.card;
import static io.healthscore.scoring.testing.TestCards.component;
import static io.healthscore.scoring.testing.TestCards.linear;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.scorecard.ScorecardYaml;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.ActivateModelRequest;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.Direction;
import io.healthscore.v1.GetModelRequest;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.GetScorecardRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.Measure;
import io.healthscore.v1.ModelState;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.Scorecard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calibrate with a scorecard: its points and weights learned (learn_points) or its weights alone,
 * activated, rolled back and exported.
 */
class LearnedPointsApiTest {
  static final long DAY = Duration.ofDays(1).toMillis();

  @TempDir Path dir;

  /** Logins mapped linearly by hand; churn actually steps at 20 logins. Tickets are noise. */
  static Scorecard usage() {
    return card(component("usage", 1,
            linear("logins", "logins.sum_30d", 0, 100).setDirection(Direction.DIRECTION_HIGHER_IS_BETTER),
            linear("tickets", "tickets.count_30d", 10, 0).setDirection(Direction.DIRECTION_LOWER_IS_BETTER)))
        .toBuilder().setScorecardId("usage").setIsDefault(true).clearVersion().build();
  }

  @Test
  void learnsPointsAndWeightsActivatesThemAndExportsYaml() {
    try (ScoringHarness h = new ScoringHarness(dir.resolve("data")).withScorecard(usage()).start()) {
      loadOutcomes(h);

      assertEquals(Status.Code.INVALID_ARGUMENT,
          ScoringLifecycleTest.code(() -> h.stub().calibrate(CalibrateRequest.newBuilder().setLearnPoints(true).build())));

      CalibrationReport report =
          h.stub().calibrate(CalibrateRequest.newBuilder().setScorecardId("usage").setLearnPoints(true).setActivate(true).build())
              .getReport();
      assertEquals("points", report.getModelKind());
      assertTrue(report.getAuc() > report.getBaselineAuc(), report.getAuc() + " vs hand-made " + report.getBaselineAuc());
      Measure logins = report.getLearnedScorecard().getComponents(0).getMeasures(0);
      assertTrue(logins.hasThresholds(), logins.toString());
      assertTrue(logins.getThresholds().getThresholdsList().stream().anyMatch(t -> t.getAt() >= 14 && t.getAt() <= 26),
          "a step near 20 logins: " + logins);
      assertTrue(report.getWeights(0).getWeight() > report.getWeights(1).getWeight() * 3, report.getWeightsList().toString());

      // the YAML reads back to the learned scorecard, and GetModel returns it
      Scorecard fromYaml = ScorecardYaml.parse(report.getLearnedScorecardYaml(), "learned.yaml");
      assertEquals(report.getLearnedScorecard(), fromYaml);
      assertEquals(report.getLearnedScorecardYaml(),
          h.stub().getModel(GetModelRequest.newBuilder().setModelId(report.getModelId()).build())
              .getModel().getReport().getLearnedScorecardYaml());

      // activation stored the learned points as the scorecard's next version
      Scorecard active =
          h.stub().getScorecard(GetScorecardRequest.newBuilder().setScorecardId("usage").build()).getScorecard();
      assertEquals(2, active.getVersion());
      assertEquals(logins.getThresholds(), active.getComponents(0).getMeasures(0).getThresholds());
      Await.until("scores follow the learned scorecard", () ->
          h.stub().getScore(GetScoreRequest.newBuilder().setAccountId("acct-1").build()).getScore().getScorecardVersion() == 2
              && h.stub().getScore(GetScoreRequest.newBuilder().setAccountId("acct-1").build()).getScore().hasChurnProbability());

      // a second points model on a longer horizon learns other points; rolling back to the first
      // serves the first one's scorecard again, as its next version
      CalibrationReport second = h.stub().calibrate(CalibrateRequest.newBuilder().setScorecardId("usage")
          .setLearnPoints(true).setActivate(true).setForce(true).setHorizonDays(30).build()).getReport();
      assertNotEquals(report.getModelId(), second.getModelId());
      Scorecard replaced = scorecard(h, 0);
      assertEquals(3, replaced.getVersion());
      assertNotEquals(active.getComponentsList(), replaced.getComponentsList(), "the second model learned other points");

      h.stub().activateModel(ActivateModelRequest.newBuilder().setModelId(report.getModelId()).setForce(true).build());
      Scorecard restored = scorecard(h, 0);
      assertEquals(4, restored.getVersion());
      assertEquals(active.toBuilder().clearVersion().clearUpdateTime().build(),
          restored.toBuilder().clearVersion().clearUpdateTime().build(), "exactly what version 2 served");
      Await.until("scores follow the restored scorecard", () ->
          h.stub().getScore(GetScoreRequest.newBuilder().setAccountId("acct-1").build()).getScore().getScorecardVersion() == 4);

      h.stub().activateModel(ActivateModelRequest.newBuilder().setModelId(report.getModelId()).build());
      assertEquals(4, scorecard(h, 0).getVersion(), "activating the served model again stores nothing new");
    }
  }

  /**
   * A weight-only model (Calibrate with scorecard_id, no learn_points) served, replaced by a points
   * model, then activated again: its calibrated weights come back on the hand-made linear points,
   * as the scorecard's next version, and the scores follow it with the weight model's probability.
   */
  @Test
  void rollingBackToAWeightModelRestoresItsCalibratedWeights() {
    try (ScoringHarness h = new ScoringHarness(dir.resolve("data")).withScorecard(usage()).start()) {
      loadOutcomes(h);
      CalibrationReport weights =
          h.stub().calibrate(CalibrateRequest.newBuilder().setScorecardId("usage").setActivate(true).build()).getReport();
      assertEquals("logistic", weights.getModelKind());
      Scorecard calibrated = scorecard(h, 0);
      assertEquals(2, calibrated.getVersion());
      assertEquals(usage().getComponents(0).getMeasures(0).getLinear(),
          calibrated.getComponents(0).getMeasures(0).getLinear(), "weights only: the points stay hand-made");
      double loginsWeight = calibrated.getComponents(0).getMeasures(0).getWeight();
      double ticketsWeight = calibrated.getComponents(0).getMeasures(1).getWeight();
      assertTrue(loginsWeight > ticketsWeight * 3, "logins predict, tickets are noise: " + calibrated);
      assertEquals(calibrated.toBuilder().clearVersion().clearUpdateTime().build(), weights.getLearnedScorecard(),
          "the report keeps the scorecard it served");
      awaitServed(h, weights.getModelId(), 2);

      CalibrationReport points = h.stub().calibrate(CalibrateRequest.newBuilder().setScorecardId("usage")
          .setLearnPoints(true).setActivate(true).setForce(true).build()).getReport();
      assertEquals(3, scorecard(h, 0).getVersion());
      assertTrue(scorecard(h, 0).getComponents(0).getMeasures(0).hasThresholds(), "the points model's scorecard");
      awaitServed(h, points.getModelId(), 3);

      h.stub().activateModel(ActivateModelRequest.newBuilder().setModelId(weights.getModelId()).setForce(true).build());
      Scorecard restored = scorecard(h, 0);
      assertEquals(4, restored.getVersion());
      assertEquals(calibrated.toBuilder().clearVersion().clearUpdateTime().build(),
          restored.toBuilder().clearVersion().clearUpdateTime().build(), "exactly what version 2 served");
      awaitServed(h, weights.getModelId(), 4);
      assertTrue(score(h).hasChurnProbability(), "the weight model's probability is served again");
      assertEquals(ModelState.MODEL_STATE_ACTIVE,
          h.stub().getModel(GetModelRequest.newBuilder().setModelId(weights.getModelId()).build()).getModel().getState());
      assertEquals(ModelState.MODEL_STATE_INACTIVE,
          h.stub().getModel(GetModelRequest.newBuilder().setModelId(points.getModelId()).build()).getModel().getState());
    }
  }

  /** 400 accounts: churn 0.7 under 20 logins and 0.1 above; tickets are noise. */
  private static void loadOutcomes(ScoringHarness h) {
    long now = h.clock.millis();
    Random r = new Random(11);
    for (int i = 0; i < 400; i++) {
      String id = "acct-" + i;
      double logins = r.nextInt(100);
      boolean churns = r.nextDouble() < (logins < 20 ? 0.7 : 0.1);
      h.signals.putAccount(FakeSignalService.account(id, "smb", 100));
      h.signals.setFeaturesFrom(id, now - 400 * DAY,
          Map.of("logins.sum_30d", logins, "tickets.count_30d", (double) r.nextInt(10)), Map.of());
      h.signals.addOutcome(Outcome.newBuilder().setEventId("o-" + i).setAccountId(id)
          .setType(churns ? OutcomeType.OUTCOME_TYPE_CHURNED : OutcomeType.OUTCOME_TYPE_RENEWED)
          .setOccurredAt(Timestamps.fromMillis(now - (10 + i % 40) * DAY)).build());
    }
    h.awaitFeedCaughtUp();
  }

  /** Every account scored by the model on the scorecard version (the rescore is through). */
  private static void awaitServed(ScoringHarness h, String modelId, long version) {
    BatchGetScoresRequest.Builder all = BatchGetScoresRequest.newBuilder();
    for (int i = 0; i < 400; i++) {
      all.addAccountIds("acct-" + i);
    }
    Await.until("every account scored by " + modelId + " on version " + version, () -> {
      List<HealthScore> scores = h.stub().batchGetScores(all.build()).getScoresList();
      return scores.size() == 400 && scores.stream()
          .allMatch(s -> s.getModelId().equals(modelId) && s.getScorecardVersion() == version);
    });
  }

  private static HealthScore score(ScoringHarness h) {
    return h.stub().getScore(GetScoreRequest.newBuilder().setAccountId("acct-1").build()).getScore();
  }

  private static Scorecard scorecard(ScoringHarness h, long version) {
    return h.stub().getScorecard(GetScorecardRequest.newBuilder().setScorecardId("usage").setVersion(version).build())
        .getScorecard();
  }
}
