package io.healthscore.scoring.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.scoring.ModelDrift;
import io.healthscore.scoring.support.MetricsText;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.ActivateModelRequest;
import io.healthscore.v1.BacktestRequest;
import io.healthscore.v1.BacktestResponse;
import io.healthscore.v1.Band;
import io.healthscore.v1.BandSuggestion;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.ChurnDriver;
import io.healthscore.v1.Driver;
import io.healthscore.v1.ExplainScoreRequest;
import io.healthscore.v1.ExplainScoreResponse;
import io.healthscore.v1.GetModelRequest;
import io.healthscore.v1.GetModelHealthRequest;
import io.healthscore.v1.ModelHealth;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.ListModelsRequest;
import io.healthscore.v1.ListScoresRequest;
import io.healthscore.v1.ModelInfo;
import io.healthscore.v1.ModelState;
import io.healthscore.v1.CancelTrainingRequest;
import io.healthscore.v1.GetTrainingRequest;
import io.healthscore.v1.StartTrainingRequest;
import io.healthscore.v1.Training;
import io.healthscore.v1.TrainingState;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Learning without a scorecard through gRPC: in segment "smb" churn follows a contract label and
 * a usage threshold the scorecard knows nothing about; in segment "ent" churn is a coin flip.
 */
class LearnedModelApiTest {
  static final long DAY = Duration.ofDays(1).toMillis();

  @TempDir Path dir;
  ScoringHarness h;
  final Map<String, String> contracts = new java.util.HashMap<>();

  @BeforeEach
  void start() {
    h = new ScoringHarness(dir.resolve("data")).withScorecard(TestScorecards.logins("logins")).start();
    long now = h.clock.millis();
    Random r = new Random(4);
    for (int i = 0; i < 360; i++) {
      String id = "acct-" + i;
      boolean enterprise = i >= 300;
      String contract = r.nextBoolean() ? "month-to-month" : "annual";
      contracts.put(id, contract);
      double tickets = r.nextInt(10);
      double p = enterprise ? 0.5 : ("month-to-month".equals(contract) ? 0.45 : 0.05) + (tickets >= 7 ? 0.45 : 0);
      boolean churns = r.nextDouble() < p;
      h.signals.putAccount(FakeSignalService.account(id, enterprise ? "ent" : "smb", 100));
      h.signals.setFeaturesFrom(
          id,
          now - 400 * DAY,
          Map.of(TestScorecards.FEATURE, 50.0, "tickets.count_30d", tickets, "noise.value", r.nextGaussian()),
          Map.of("attr.contract", contract));
      h.signals.addOutcome(
          Outcome.newBuilder()
              .setEventId("o-" + i)
              .setAccountId(id)
              .setType(churns ? OutcomeType.OUTCOME_TYPE_CHURNED : OutcomeType.OUTCOME_TYPE_RENEWED)
              .setOccurredAt(Timestamps.fromMillis(now - (10 + i % 50) * DAY))
              .build());
    }
    h.awaitFeedCaughtUp();
  }

  @AfterEach
  void stop() {
    h.close();
  }

  HealthScore score(String id) {
    return h.stub().getScore(GetScoreRequest.newBuilder().setAccountId(id).build()).getScore();
  }

  List<ModelInfo> models() {
    return h.stub().listModels(ListModelsRequest.getDefaultInstance()).getModelsList();
  }

  @Test
  void learnsFromEveryFeatureStoresVersionsServesExplainsAndRollsBack() {
    CalibrationReport first =
        h.stub().calibrate(CalibrateRequest.newBuilder().addSegments("smb").build()).getReport();
    assertEquals("ebm", first.getModelKind());
    assertTrue(first.getFeaturesList().containsAll(List.of("attr.contract", "tickets.count_30d", "noise.value")));
    assertTrue(first.getAuc() > 0.75, "held-out AUC " + first.getAuc());
    assertTrue(first.getLogisticAuc() > 0.5);
    assertTrue(first.getHoldoutSamples() > 0 && first.getHoldoutSamples() < first.getSamples());
    assertEquals(List.of("smb"), first.getSegmentsList());
    assertTrue(first.hasDataStartTime() && first.hasDataEndTime());
    assertEquals(ModelState.MODEL_STATE_INACTIVE, first.getState());
    assertFalse(score("acct-1").hasChurnProbability(), "a model trained without activate is stored, not served");

    ModelInfo active =
        h.stub().activateModel(ActivateModelRequest.newBuilder().setModelId(first.getModelId()).build()).getModel();
    assertEquals(ModelState.MODEL_STATE_ACTIVE, active.getState());
    Await.until("smb accounts carry the learned probability", () -> score("acct-0").hasChurnProbability());
    assertEquals(first.getModelId(), score("acct-0").getModelId());
    assertFalse(score("acct-330").hasChurnProbability(), "ent is out of the model's scope");
    assertScoresFollowTheProbability(first);
    assertEquals("logins", score("acct-330").getDrivers(0).getMeasureId(), "out of scope: the scorecard's drivers");

    ModelDrift drift = h.server().drift();
    drift.refresh();
    double scorePsi = drift.psi().get(ModelDrift.SCORE_TERM);
    assertTrue(scorePsi >= 0 && scorePsi < 0.25, "today's smb accounts are the training population: " + scorePsi);
    assertTrue(drift.psi().containsKey("attr.contract"), drift.psi().toString());
    assertFalse(drift.recalibrationDue());
    h.clock.advance(Duration.ofDays(181));
    assertTrue(drift.recalibrationDue(), "older than the default 180 days");
    h.clock.advance(Duration.ofDays(-181));

    ExplainScoreResponse explained =
        h.stub().explainScore(ExplainScoreRequest.newBuilder().setAccountId("acct-0").build());
    assertFalse(explained.getChurnDriversList().isEmpty());
    ChurnDriver top = explained.getChurnDrivers(0);
    assertTrue(top.getSentence().contains(" pts churn risk: "), top.getSentence());
    double logitSum = 0;
    for (ChurnDriver d : explained.getChurnDriversList()) {
      logitSum += d.getLogit();
    }
    double p = score("acct-0").getChurnProbability();
    assertTrue(Double.isFinite(logitSum) && p > 0 && p < 1);

    // a model of the coin-flip segment predicts worse: activation refuses it unless forced
    CalibrationReport weak =
        h.stub().calibrate(CalibrateRequest.newBuilder().addSegments("ent").build()).getReport();
    assertTrue(weak.getAuc() < first.getAuc() - 0.01, weak.getAuc() + " vs " + first.getAuc());
    assertEquals(Status.Code.FAILED_PRECONDITION,
        ScoringLifecycleTest.code(
            () -> h.stub().activateModel(ActivateModelRequest.newBuilder().setModelId(weak.getModelId()).build())));
    h.stub().activateModel(ActivateModelRequest.newBuilder().setModelId(weak.getModelId()).setShadow(true).build());
    ExplainScoreResponse shadowed =
        h.stub().explainScore(ExplainScoreRequest.newBuilder().setAccountId("acct-330").build());
    assertEquals(weak.getModelId(), shadowed.getShadowModelId());
    assertTrue(shadowed.hasShadowChurnProbability());
    assertFalse(score("acct-330").hasChurnProbability(), "a shadow model is not served");

    h.stub().activateModel(ActivateModelRequest.newBuilder().setModelId(weak.getModelId()).setForce(true).build());
    Await.until("ent accounts follow the forced model", () -> score("acct-330").hasChurnProbability());
    // rollback is one call
    h.stub().activateModel(ActivateModelRequest.newBuilder().setModelId(first.getModelId()).build());
    assertEquals(ModelState.MODEL_STATE_ACTIVE,
        h.stub().getModel(GetModelRequest.newBuilder().setModelId(first.getModelId()).build()).getModel().getState());
    assertEquals(ModelState.MODEL_STATE_INACTIVE,
        h.stub().getModel(GetModelRequest.newBuilder().setModelId(weak.getModelId()).build()).getModel().getState());
    assertEquals(2, models().size());

    // survives a restart: the active model is loaded from the store
    h.restart();
    Await.until("served again after restart", () -> score("acct-2").getModelId().equals(first.getModelId()));
    assertTrue(first.getFeaturesList().contains(score("acct-2").getDrivers(0).getFeature())
        || score("acct-2").getDrivers(0).getFeature().contains(" × "), "drivers read back from the store");
  }

  /** The learned score read through the suggested cut-offs onto the scorecard's 1-10 scale (4 and 7). */
  static double expectedScore(double p, double yellowAbove, double redAbove) {
    if (p <= yellowAbove) {
      return 10 - 3 * p / yellowAbove;
    }
    if (p <= redAbove) {
      return 7 - 3 * (p - yellowAbove) / (redAbove - yellowAbove);
    }
    return 4 - 3 * (p - redAbove) / (1 - redAbove);
  }

  /**
   * Every smb account's score and band follow its churn probability, alike in GetScore,
   * BatchGetScores, ListScores and ExplainScore, and its drivers are the model's terms.
   */
  void assertScoresFollowTheProbability(CalibrationReport report) {
    BandSuggestion cutoffs = report.getSuggestedBands();
    assertEquals("probability levels", cutoffs.getMethod());
    assertEquals(3, cutoffs.getBandsCount());
    assertEquals(0.10, cutoffs.getYellowAbove(), 1e-12);
    assertEquals(0.40, cutoffs.getRedAbove(), 1e-12);
    assertTrue(cutoffs.getBands(0).getChurnRate() < cutoffs.getBands(2).getChurnRate(), cutoffs.toString());
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      ids.add("acct-" + i);
    }
    Await.until("every smb account scored by the model", () ->
        h.stub().batchGetScores(BatchGetScoresRequest.newBuilder().addAllAccountIds(ids).build()).getScoresList()
            .stream().allMatch(s -> s.getModelId().equals(report.getModelId())));
    List<HealthScore> batch =
        h.stub().batchGetScores(BatchGetScoresRequest.newBuilder().addAllAccountIds(ids).build()).getScoresList();
    Map<String, HealthScore> listed = new java.util.HashMap<>();
    for (HealthScore s :
        h.stub().listScores(ListScoresRequest.newBuilder().setSegment("smb").setPageSize(1000).build()).getScoresList()) {
      listed.put(s.getAccountId(), s);
    }
    assertEquals(300, listed.size());
    java.util.Set<Band> bandsSeen = java.util.EnumSet.noneOf(Band.class);
    for (HealthScore s : batch) {
      double p = s.getChurnProbability();
      double expected = expectedScore(p, cutoffs.getYellowAbove(), cutoffs.getRedAbove());
      assertEquals(expected, s.getScore(), 1e-4, s.getAccountId() + " at p=" + p);
      Band byProbability =
          p > cutoffs.getRedAbove() ? Band.BAND_RED : p > cutoffs.getYellowAbove() ? Band.BAND_YELLOW : Band.BAND_GREEN;
      if (Math.abs(s.getScore() - 4) > 0.3 && Math.abs(s.getScore() - 7) > 0.3) {
        assertEquals(byProbability, s.getBand(), s.getAccountId() + " score " + s.getScore());
      }
      bandsSeen.add(s.getBand());
      HealthScore l = listed.get(s.getAccountId());
      assertEquals(s.getScore(), l.getScore(), 1e-6);
      assertEquals(s.getBand(), l.getBand());
      assertEquals(p, l.getChurnProbability(), 1e-9);
      assertFalse(s.getDriversList().isEmpty());
      assertTrue(s.getDriversCount() <= 10, "the ten largest terms: " + s.getDriversCount());
      Driver top = s.getDrivers(0);
      assertTrue(report.getFeaturesList().contains(top.getFeature()) || report.getInteractionsList().contains(top.getFeature()),
          top.toString());
      assertTrue(top.getSentence().contains("pts churn risk"), top.getSentence());
    }
    assertTrue(bandsSeen.size() >= 2, "the cut-offs split the accounts: " + bandsSeen);
    HealthScore fromGet = score("acct-0");
    ExplainScoreResponse explained =
        h.stub().explainScore(ExplainScoreRequest.newBuilder().setAccountId("acct-0").build());
    assertEquals(fromGet.getDriversList(), explained.getScore().getDriversList());
    // a month-to-month contract is the main risk of this world: it leads the drivers of such an account
    String monthly = null;
    for (int i = 0; i < 300 && monthly == null; i++) {
      HealthScore s = batch.get(i);
      if (s.getDrivers(0).getSentence().contains("contract month-to-month")) {
        monthly = s.getAccountId();
      }
    }
    assertTrue(monthly != null, "some account's top driver is its month-to-month contract");
  }

  /**
   * After activation, smb outcomes turn against what the model learned (annual contracts churn,
   * month-to-month ones stay): measured on those later snapshots its AUC falls under the floor and
   * recalibration is due, in the gauges Prometheus alerts on.
   */
  @Test
  void recalibrationIsDueOnceRecentOutcomesDefeatTheModel() {
    CalibrationReport report =
        h.stub().calibrate(CalibrateRequest.newBuilder().addSegments("smb").setActivate(true).build()).getReport();
    ModelDrift drift = h.server().drift();
    Await.until("smb accounts scored by the model", () -> score("acct-0").getModelId().equals(report.getModelId())
        && score("acct-299").getModelId().equals(report.getModelId()));
    h.server().measureRecentAuc();
    assertTrue(Double.isNaN(drift.recentAuc()), "no outcome after training yet");
    // Activation rescores in the background: the score's PSI needs accounts the model scored.
    Await.until("accounts scored by the model", () -> {
      drift.refresh();
      return drift.psi().containsKey(ModelDrift.SCORE_TERM);
    });
    String before = MetricsText.scrape(h.server().metricsPort());
    String label = "model_id=\"" + report.getModelId() + "\"";
    assertEquals(report.getAuc(), MetricsText.value(before, "healthscore_model_auc", label), 1e-9);
    assertEquals(0, MetricsText.value(before, "healthscore_model_recalibration_due", label));
    assertTrue(MetricsText.sample(before, "healthscore_model_score_psi", label).isPresent(), before);
    assertTrue(MetricsText.sample(before, "healthscore_model_feature_psi", label, "feature=\"attr.contract\"").isPresent());
    ModelHealth fresh = h.stub().getModelHealth(GetModelHealthRequest.getDefaultInstance()).getHealth();
    assertEquals(report.getModelId(), fresh.getModelId());
    assertFalse(fresh.getRecalibrationDue());
    assertEquals(List.of(), fresh.getReasonsList());
    assertFalse(fresh.hasRecentAuc(), "not measured yet");
    assertEquals(report.getAuc(), fresh.getAuc(), 1e-9);
    assertTrue(fresh.hasScorePsi(), "the score's PSI, once accounts were scored");
    assertEquals(180, fresh.getRecalibrationAgeDays());
    assertEquals(0.6, fresh.getAucFloor(), 1e-12);

    long trained = h.clock.millis();
    h.clock.advance(Duration.ofDays(170));
    for (int i = 0; i < 300; i++) {
      String contract = contracts.get("acct-" + i);
      h.signals.addOutcome(Outcome.newBuilder().setEventId("later-" + i).setAccountId("acct-" + i)
          .setType("annual".equals(contract) ? OutcomeType.OUTCOME_TYPE_CHURNED : OutcomeType.OUTCOME_TYPE_RENEWED)
          .setOccurredAt(Timestamps.fromMillis(trained + 150 * DAY)).build());
    }
    h.server().measureRecentAuc();
    assertTrue(drift.recentAuc() < 0.5, "the model ranks the new churners last: " + drift.recentAuc());
    assertTrue(drift.recalibrationDue(), "recent AUC under the 0.6 floor, at 170 days of age");
    drift.refresh();
    String after = MetricsText.scrape(h.server().metricsPort());
    assertEquals(1, MetricsText.value(after, "healthscore_model_recalibration_due", label));
    assertEquals(drift.recentAuc(), MetricsText.value(after, "healthscore_model_recent_auc", label), 1e-9);
    ModelHealth due = h.stub().getModelHealth(GetModelHealthRequest.getDefaultInstance()).getHealth();
    assertTrue(due.getRecalibrationDue());
    assertEquals(drift.recentAuc(), due.getRecentAuc(), 1e-12);
    assertEquals(170, due.getAgeDays(), 1e-6);
    assertEquals(1, due.getReasonsCount(), "the AUC, not the age: " + due.getReasonsList());
    assertTrue(due.getReasons(0).contains("under the floor 0.600"), due.getReasons(0));
    h.clock.advance(Duration.ofDays(11));
    assertEquals(2, h.stub().getModelHealth(GetModelHealthRequest.getDefaultInstance()).getHealth().getReasonsCount(),
        "past 180 days the age is a second reason");
  }

  @Test
  void noModelHealthWithoutAnActiveLearnedModel() {
    h.stub().calibrate(CalibrateRequest.newBuilder().addSegments("smb").build());
    assertFalse(h.stub().getModelHealth(GetModelHealthRequest.getDefaultInstance()).hasHealth(),
        "a stored model that is not served has no health to report");
  }

  Training training(String id) {
    return h.stub().getTraining(GetTrainingRequest.newBuilder().setTrainingId(id).build()).getTraining();
  }

  @Test
  void trainsInTheBackgroundWithProgressAndCancelsAQueuedTraining() {
    assertEquals(List.of("calibrate.horizon_days"),
        ScoringServiceTest.fields(() -> h.stub().startTraining(StartTrainingRequest.newBuilder()
            .setCalibrate(CalibrateRequest.newBuilder().setHorizonDays(-3)).build())));

    Training first = h.stub().startTraining(StartTrainingRequest.newBuilder()
        .setCalibrate(CalibrateRequest.newBuilder().addSegments("smb")).build()).getTraining();
    Training second = h.stub().startTraining(StartTrainingRequest.newBuilder()
        .setCalibrate(CalibrateRequest.newBuilder().addSegments("ent")).build()).getTraining();
    h.stub().cancelTraining(CancelTrainingRequest.newBuilder().setTrainingId(second.getTrainingId()).build());
    assertEquals(TrainingState.TRAINING_STATE_QUEUED, second.getState(), "one training runs at a time");

    double lastProgress = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Training t = first;
    while (t.getState() == TrainingState.TRAINING_STATE_QUEUED || t.getState() == TrainingState.TRAINING_STATE_RUNNING) {
      assertTrue(t.getProgress() >= lastProgress, "progress never falls");
      lastProgress = t.getProgress();
      assertTrue(System.nanoTime() < deadline, "training did not end: " + t);
      t = training(first.getTrainingId());
    }
    assertEquals(TrainingState.TRAINING_STATE_DONE, t.getState(), t.getError());
    assertEquals(1, t.getProgress(), 1e-9);
    assertTrue(t.hasEndTime());
    assertEquals(List.of("smb"), t.getRequest().getSegmentsList());
    assertEquals("ebm", t.getReport().getModelKind());
    assertEquals(t.getReport(), h.stub().getModel(GetModelRequest.newBuilder().setModelId(t.getReport().getModelId()).build())
        .getModel().getReport());

    Await.until("the queued training ends cancelled", () ->
        training(second.getTrainingId()).getState() == TrainingState.TRAINING_STATE_CANCELLED);
    assertEquals(1, models().size(), "a cancelled training stores nothing");
    assertEquals(Status.Code.NOT_FOUND, ScoringLifecycleTest.code(() -> training("nope")));
  }

  @Test
  void backtestsALearnedModelByFoldsAndByTimeBesideAnother() {
    CalibrationReport model = h.stub().calibrate(CalibrateRequest.getDefaultInstance()).getReport();
    CalibrationReport scoped =
        h.stub().calibrate(CalibrateRequest.newBuilder().addSegments("smb").build()).getReport();
    BacktestResponse folds =
        h.stub()
            .backtest(
                BacktestRequest.newBuilder()
                    .setModelId(model.getModelId())
                    .setFolds(2)
                    .setCompareModelId(scoped.getModelId())
                    .build());
    assertEquals("2-fold", folds.getReport().getMethod());
    assertTrue(folds.getReport().getAuc() > 0.6, folds.getReport().toString());
    assertEquals(10, folds.getReport().getDecilesCount());
    assertTrue(folds.getReport().getRocCurveCount() >= 3);
    assertTrue(folds.getReport().getBrier() > 0 && folds.getReport().getLogLoss() > 0);
    assertEquals(scoped.getModelId(), folds.getComparison().getModelId());

    long split = h.clock.millis() - 70 * DAY;
    BacktestResponse byTime =
        h.stub()
            .backtest(
                BacktestRequest.newBuilder().setModelId(model.getModelId()).setSplitTime(Timestamps.fromMillis(split)).build());
    assertEquals("time split", byTime.getReport().getMethod());
    assertTrue(byTime.getReport().getSamples() < folds.getReport().getSamples());
    assertEquals(Status.Code.INVALID_ARGUMENT,
        ScoringLifecycleTest.code(
            () -> h.stub().backtest(BacktestRequest.newBuilder().setModelId(model.getModelId()).setFolds(1).build())));
  }
}
