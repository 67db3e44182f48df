package io.healthscore.scoring.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.BacktestRequest;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CancelRescoreRequest;
import io.healthscore.v1.ClearOverrideRequest;
import io.healthscore.v1.ExplainScoreRequest;
import io.healthscore.v1.ForecastRetentionRequest;
import io.healthscore.v1.GetRescoreRequest;
import io.healthscore.v1.GetScoreHistoryRequest;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.GetScorecardRequest;
import io.healthscore.v1.ListScorecardsRequest;
import io.healthscore.v1.ListScoresRequest;
import io.healthscore.v1.PutScorecardRequest;
import io.healthscore.v1.ScoringServiceGrpc.ScoringServiceBlockingStub;
import io.healthscore.v1.SetOverrideRequest;
import io.healthscore.v1.StartRescoreRequest;
import io.healthscore.v1.ValidateScorecardRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a token file, every ScoringService RPC asks for the scope the docs promise. */
class ScoringScopesTest {
  static final String CARD = "logins";

  @TempDir Path dir;
  ScoringHarness h;

  @BeforeEach
  void start() throws Exception {
    Path tokens =
        Files.writeString(
            dir.resolve("tokens"),
            "reader scores:read\nwriter scores:write\nanalyst scores:read,scores:write\nroot admin\n"
                + "alerter alerts:read,alerts:write\n");
    h = new ScoringHarness(dir.resolve("data"), Map.of(ServiceConfig.AUTH_TOKENS, tokens.toString()))
        .withScorecard(TestScorecards.logins(CARD))
        .start();
    h.signals.setFeatures("a1", Map.of(TestScorecards.FEATURE, 50.0));
    h.signals.putAccount(FakeSignalService.account("a1", "smb", 100));
    h.awaitFeedCaughtUp();
  }

  @AfterEach
  void stop() {
    h.close();
  }

  ScoringServiceBlockingStub as(String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return h.stub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  static Status.Code code(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  /** The call got past auth: it succeeded or failed for a reason of its own. */
  static void passes(String rpc, Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      Status.Code c = e.getStatus().getCode();
      assertNotEquals(Status.Code.UNAUTHENTICATED, c, rpc);
      assertNotEquals(Status.Code.PERMISSION_DENIED, c, rpc + ": " + e.getStatus().getDescription());
    }
  }

  static Map<String, Consumer<ScoringServiceBlockingStub>> reads() {
    Map<String, Consumer<ScoringServiceBlockingStub>> rpcs = new LinkedHashMap<>();
    rpcs.put("GetScore", s -> s.getScore(GetScoreRequest.newBuilder().setAccountId("a1").build()));
    rpcs.put("BatchGetScores", s -> s.batchGetScores(BatchGetScoresRequest.newBuilder().addAccountIds("a1").build()));
    rpcs.put("ListScores", s -> s.listScores(ListScoresRequest.getDefaultInstance()));
    rpcs.put("GetScoreHistory", s -> s.getScoreHistory(GetScoreHistoryRequest.newBuilder().setAccountId("a1").build()));
    rpcs.put("ExplainScore", s -> s.explainScore(ExplainScoreRequest.newBuilder().setAccountId("a1").build()));
    rpcs.put("GetScorecard", s -> s.getScorecard(GetScorecardRequest.newBuilder().setScorecardId(CARD).build()));
    rpcs.put("ListScorecards", s -> s.listScorecards(ListScorecardsRequest.getDefaultInstance()));
    rpcs.put("ValidateScorecard", s -> s.validateScorecard(
        ValidateScorecardRequest.newBuilder().setScorecard(TestScorecards.logins("preview")).build()));
    rpcs.put("Calibrate", s -> s.calibrate(CalibrateRequest.newBuilder().setScorecardId(CARD).build()));
    rpcs.put("Backtest", s -> s.backtest(BacktestRequest.newBuilder().setScorecardId(CARD).build()));
    rpcs.put("ForecastRetention", s -> s.forecastRetention(ForecastRetentionRequest.getDefaultInstance()));
    rpcs.put("GetRescore", s -> s.getRescore(GetRescoreRequest.newBuilder().setRescoreId("none").build()));
    return rpcs;
  }

  static Map<String, Consumer<ScoringServiceBlockingStub>> writes() {
    Map<String, Consumer<ScoringServiceBlockingStub>> rpcs = new LinkedHashMap<>();
    rpcs.put("PutScorecard", s -> s.putScorecard(
        PutScorecardRequest.newBuilder().setScorecard(TestScorecards.logins(CARD)).build()));
    rpcs.put("SetOverride", s -> s.setOverride(
        SetOverrideRequest.newBuilder().setAccountId("a1").setScore(3).setReason("escalation").build()));
    rpcs.put("ClearOverride", s -> s.clearOverride(ClearOverrideRequest.newBuilder().setAccountId("a1").build()));
    rpcs.put("StartRescore", s -> s.startRescore(StartRescoreRequest.newBuilder().setScorecardId(CARD).build()));
    rpcs.put("CancelRescore", s -> s.cancelRescore(CancelRescoreRequest.newBuilder().setRescoreId("none").build()));
    rpcs.put("Calibrate(activate)", s -> s.calibrate(
        CalibrateRequest.newBuilder().setScorecardId(CARD).setActivate(true).build()));
    return rpcs;
  }

  @Test
  void withoutAValidTokenNothingIsServed() {
    for (var rpc : reads().entrySet()) {
      assertEquals(Status.Code.UNAUTHENTICATED, code(() -> rpc.getValue().accept(h.stub())), rpc.getKey());
      assertEquals(Status.Code.UNAUTHENTICATED, code(() -> rpc.getValue().accept(as("guess"))), rpc.getKey());
    }
    for (var rpc : writes().entrySet()) {
      assertEquals(Status.Code.UNAUTHENTICATED, code(() -> rpc.getValue().accept(h.stub())), rpc.getKey());
    }
  }

  @Test
  void readsNeedScoresRead() {
    for (var rpc : reads().entrySet()) {
      passes(rpc.getKey(), () -> rpc.getValue().accept(as("reader")));
      assertEquals(Status.Code.PERMISSION_DENIED, code(() -> rpc.getValue().accept(as("writer"))), rpc.getKey());
      assertEquals(Status.Code.PERMISSION_DENIED, code(() -> rpc.getValue().accept(as("alerter"))), rpc.getKey());
    }
  }

  @Test
  void changesNeedScoresWrite() {
    for (var rpc : writes().entrySet()) {
      assertEquals(Status.Code.PERMISSION_DENIED, code(() -> rpc.getValue().accept(as("reader"))), rpc.getKey());
      assertEquals(Status.Code.PERMISSION_DENIED, code(() -> rpc.getValue().accept(as("alerter"))), rpc.getKey());
      passes(rpc.getKey(), () -> rpc.getValue().accept(as("analyst")));
    }
    // Set then cleared by a writer: both really happened.
    assertEquals(3.0, as("writer").setOverride(
        SetOverrideRequest.newBuilder().setAccountId("a1").setScore(3).setReason("escalation").build())
        .getScore().getScore(), 1e-9);
    assertEquals(5.5, as("writer").clearOverride(ClearOverrideRequest.newBuilder().setAccountId("a1").build())
        .getScore().getScore(), 1e-9);
  }

  @Test
  void adminMayCallEverything() {
    for (var rpc : reads().entrySet()) {
      passes(rpc.getKey(), () -> rpc.getValue().accept(as("root")));
    }
    for (var rpc : writes().entrySet()) {
      passes(rpc.getKey(), () -> rpc.getValue().accept(as("root")));
    }
  }
}
