package io.healthscore.scoring.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.BacktestRequest;
import io.healthscore.v1.BacktestResponse;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrateResponse;
import io.healthscore.v1.CancelRescoreRequest;
import io.healthscore.v1.ForecastGrouping;
import io.healthscore.v1.ForecastRetentionRequest;
import io.healthscore.v1.ForecastRetentionResponse;
import io.healthscore.v1.GetRescoreRequest;
import io.healthscore.v1.GetScoreHistoryRequest;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.GetScorecardRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.Rescore;
import io.healthscore.v1.RescoreState;
import io.healthscore.v1.StartRescoreRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts, rescoring and learning through gRPC against a fake signals-service. */
class ScoringLifecycleTest {
  static final String CARD = "logins";
  static final long DAY = Duration.ofDays(1).toMillis();

  @TempDir Path dir;
  ScoringHarness h;

  @BeforeEach
  void start() {
    h = new ScoringHarness(dir.resolve("data")).withScorecard(TestScorecards.logins(CARD)).start();
  }

  @AfterEach
  void stop() {
    h.close();
  }

  HealthScore score(String id) {
    return h.stub().getScore(GetScoreRequest.newBuilder().setAccountId(id).build()).getScore();
  }

  @Test
  void restartResumesFromTheStoredCursorAndServesStoredScores() {
    // Features first, so each account's first score already has them.
    h.signals.setFeatures("a1", Map.of(TestScorecards.FEATURE, 80.0));
    h.signals.setFeatures("a2", Map.of(TestScorecards.FEATURE, 10.0));
    h.signals.putAccount(FakeSignalService.account("a1", "smb", 100));
    h.signals.putAccount(FakeSignalService.account("a2", "smb", 100));
    h.awaitFeedCaughtUp();
    assertEquals(8.2, score("a1").getScore(), 1e-6);

    h.stopScoring();
    h.signals.setFeatures("a2", Map.of(TestScorecards.FEATURE, 60.0)); // while scoring-service is down
    h.signals.featureRequestsLog.clear();
    h.start();
    h.awaitFeedCaughtUp();

    assertEquals(6.4, score("a2").getScore(), 1e-6); // the change made while down was applied
    assertEquals(8.2, score("a1").getScore(), 1e-6); // served from the store, not recomputed
    assertEquals(java.util.List.of("a2"), h.signals.featureRequestsLog);
    assertEquals(1, h.stub().getScorecard(GetScorecardRequest.newBuilder().setScorecardId(CARD).build())
        .getScorecard().getVersion()); // the unchanged config file made no new version
    assertEquals(2, h.stub().getScoreHistory(GetScoreHistoryRequest.newBuilder().setAccountId("a2").build()).getPointsCount());
  }

  @Test
  void rescoreReportsProgressAndCanBeCancelled() {
    for (int i = 0; i < 1500; i++) {
      h.signals.putAccount(FakeSignalService.account(String.format("acct-%04d", i), "smb", 10));
    }
    h.awaitFeedCaughtUp();
    CountDownLatch gate = new CountDownLatch(1);
    h.signals.featureGate = gate;
    Rescore started = h.stub().startRescore(StartRescoreRequest.newBuilder().setScorecardId(CARD).build()).getRescore();
    assertEquals(RescoreState.RESCORE_STATE_RUNNING, started.getState());
    assertEquals(1500, started.getTotal());
    // A second start for the same scorecard returns the running job.
    assertEquals(started.getRescoreId(),
        h.stub().startRescore(StartRescoreRequest.newBuilder().setScorecardId(CARD).build()).getRescore().getRescoreId());
    // Cancel while the first batch is in flight: it finishes, the next never starts.
    Await.until("the first batch waits for its features", () -> h.signals.featureGateWaiters.get() > 0);
    Rescore cancelled =
        h.stub().cancelRescore(CancelRescoreRequest.newBuilder().setRescoreId(started.getRescoreId()).build()).getRescore();
    gate.countDown();
    h.signals.featureGate = null;
    Await.until("cancelled", () -> get(started.getRescoreId()).getState() == RescoreState.RESCORE_STATE_CANCELLED);
    Rescore end = get(started.getRescoreId());
    assertEquals(1000, end.getDone()); // the batch in flight finished, the next one never started
    assertTrue(end.hasEndTime());
    assertEquals(started.getRescoreId(), cancelled.getRescoreId());

    Rescore full = h.stub().startRescore(StartRescoreRequest.getDefaultInstance()).getRescore();
    Await.until("done", () -> get(full.getRescoreId()).getState() == RescoreState.RESCORE_STATE_DONE);
    assertEquals(1500, get(full.getRescoreId()).getDone());

    assertEquals(Status.Code.NOT_FOUND, code(() -> get("nope")));
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub().startRescore(StartRescoreRequest.newBuilder().setScorecardId("nope").build())));
  }

  @Test
  void aRescoreRidesOutAShortSignalsOutage() {
    for (int i = 0; i < 50; i++) {
      h.signals.putAccount(FakeSignalService.account(String.format("out-%02d", i), "smb", 10));
    }
    h.awaitFeedCaughtUp();
    int before = h.signals.batchGetFeaturesCalls.get() + h.signals.snapshotStreamCalls.get();
    h.signals.featureStatus = Status.UNAVAILABLE;
    Rescore started = h.stub().startRescore(StartRescoreRequest.newBuilder().setScorecardId(CARD).build()).getRescore();
    Await.until("a read met the outage",
        () -> h.signals.batchGetFeaturesCalls.get() + h.signals.snapshotStreamCalls.get() > before);
    h.signals.featureStatus = null;
    Await.until("done after the outage", java.time.Duration.ofSeconds(60),
        () -> get(started.getRescoreId()).getState() == RescoreState.RESCORE_STATE_DONE);
    assertEquals(started.getTotal(), get(started.getRescoreId()).getDone());
  }

  Rescore get(String id) {
    return h.stub().getRescore(GetRescoreRequest.newBuilder().setRescoreId(id).build()).getRescore();
  }

  static Status.Code code(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  @Test
  void learningNeedsOutcomes() {
    assertEquals(Status.Code.FAILED_PRECONDITION,
        code(() -> h.stub().calibrate(CalibrateRequest.newBuilder().setScorecardId(CARD).build())));
    assertEquals(Status.Code.FAILED_PRECONDITION,
        code(() -> h.stub().backtest(BacktestRequest.newBuilder().setScorecardId(CARD).build())));
    // without a scorecard it learns from every feature, and needs outcomes too
    assertEquals(Status.Code.FAILED_PRECONDITION, code(() -> h.stub().calibrate(CalibrateRequest.getDefaultInstance())));
    assertEquals(Status.Code.INVALID_ARGUMENT,
        code(() -> h.stub().calibrate(CalibrateRequest.newBuilder().setHorizonDays(-1).build())));
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub().calibrate(CalibrateRequest.newBuilder().setScorecardId("nope").build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> h.stub().backtest(BacktestRequest.getDefaultInstance())));
  }

  /**
   * Accounts with few logins churned, busy ones renewed: calibration learns that, activation
   * stores the model and a calibrated scorecard version, and scores then carry churn probabilities.
   */
  @Test
  void calibrateBacktestActivateAndForecast() {
    long now = h.clock.millis();
    for (int i = 0; i < 60; i++) {
      String id = "acct-" + i;
      boolean churns = i % 2 == 0;
      h.signals.putAccount(FakeSignalService.account(id, "smb", 100));
      double logins = churns ? 5 + (i % 7) : 70 + (i % 20);
      h.signals.setFeaturesFrom(id, now - 400 * DAY, Map.of(TestScorecards.FEATURE, logins), Map.of());
      h.signals.addOutcome(
          Outcome.newBuilder()
              .setEventId("o-" + i)
              .setAccountId(id)
              .setType(churns ? OutcomeType.OUTCOME_TYPE_CHURNED : OutcomeType.OUTCOME_TYPE_RENEWED)
              .setOccurredAt(Timestamps.fromMillis(now - (20 + i) * DAY))
              .setMrrDelta(churns ? -100 : 0)
              .build());
    }
    h.awaitFeedCaughtUp();

    BacktestResponse backtest = h.stub().backtest(BacktestRequest.newBuilder().setScorecardId(CARD).build());
    assertTrue(backtest.getReport().getSamples() > 0);
    assertTrue(backtest.getReport().getAuc() > 0.9, backtest.toString());

    CalibrateResponse report = h.stub().calibrate(CalibrateRequest.newBuilder().setScorecardId(CARD).build());
    assertFalse(report.getReport().getActivated());
    assertEquals(1, h.stub().getScorecard(GetScorecardRequest.newBuilder().setScorecardId(CARD).build())
        .getScorecard().getVersion());
    assertFalse(score("acct-1").hasChurnProbability());

    CalibrateResponse activated =
        h.stub().calibrate(CalibrateRequest.newBuilder().setScorecardId(CARD).setActivate(true).build());
    assertTrue(activated.getReport().getActivated());
    assertEquals(2, h.stub().getScorecard(GetScorecardRequest.newBuilder().setScorecardId(CARD).build())
        .getScorecard().getVersion());
    Await.until("rescored with the model", () -> score("acct-0").hasChurnProbability());
    assertTrue(score("acct-0").getChurnProbability() > score("acct-1").getChurnProbability());
    assertEquals(activated.getReport().getModelId(), score("acct-0").getModelId());

    BacktestResponse byModel =
        h.stub().backtest(BacktestRequest.newBuilder().setModelId(activated.getReport().getModelId()).build());
    assertEquals(CARD, byModel.getReport().getScorecardId());

    ForecastRetentionResponse forecast =
        h.stub().forecastRetention(ForecastRetentionRequest.newBuilder().setGrouping(ForecastGrouping.FORECAST_GROUPING_BAND).build());
    assertEquals(60, forecast.getTotal().getAccounts());
    assertTrue(forecast.getMethod().startsWith("model "), forecast.getMethod());
    assertTrue(forecast.getTotal().getExpectedGrr() < 1);
    assertTrue(forecast.getGroupsCount() >= 2);
    assertEquals(Status.Code.INVALID_ARGUMENT,
        code(() -> h.stub().forecastRetention(ForecastRetentionRequest.newBuilder().setPeriodDays(-5).build())));
  }
}
