package io.healthscore.scoring.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.Account;
import io.healthscore.v1.Band;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.BatchGetScoresResponse;
import io.healthscore.v1.ClearOverrideRequest;
import io.healthscore.v1.ExplainScoreRequest;
import io.healthscore.v1.ExplainScoreResponse;
import io.healthscore.v1.GetScoreHistoryRequest;
import io.healthscore.v1.GetScoreHistoryResponse;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.GetScorecardRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.LinearMapping;
import io.healthscore.v1.ListScorecardsRequest;
import io.healthscore.v1.ListScoresRequest;
import io.healthscore.v1.ListScoresResponse;
import io.healthscore.v1.Measure;
import io.healthscore.v1.PutScorecardRequest;
import io.healthscore.v1.PutScorecardResponse;
import io.healthscore.v1.ScoreChange;
import io.healthscore.v1.ScoreOrder;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.SetOverrideRequest;
import io.healthscore.v1.ValidateScorecardRequest;
import io.healthscore.v1.ValidateScorecardResponse;
import io.healthscore.v1.WatchScoresRequest;
import io.healthscore.v1.WatchScoresResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every scoring RPC through gRPC against a fake signals-service, errors included. */
class ScoringServiceTest {
  static final String CARD = "logins";

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

  /**
   * Creates an account with logins and waits until its score reflects them. Features go first so
   * the account's first score already has them (no no-data score before).
   */
  HealthScore scored(String id, String segment, double mrr, double logins) {
    h.signals.setFeatures(id, Map.of(TestScorecards.FEATURE, logins));
    h.signals.putAccount(FakeSignalService.account(id, segment, mrr));
    h.awaitFeedCaughtUp();
    return score(id);
  }

  HealthScore score(String id) {
    return h.stub().getScore(GetScoreRequest.newBuilder().setAccountId(id).build()).getScore();
  }

  void setLogins(String id, double logins) {
    h.signals.setFeatures(id, Map.of(TestScorecards.FEATURE, logins));
    h.awaitFeedCaughtUp();
  }

  static Status.Code code(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  static List<String> fields(Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
    return ApiErrors.fieldViolations(e).stream().map(FieldViolation::field).toList();
  }

  @Test
  void getScoreComputesFromFeaturesAndRejectsUnknownAccounts() {
    HealthScore s = scored("a1", "smb", 100, 50);
    assertEquals(5.5, s.getScore(), 1e-6);
    assertEquals(Band.BAND_YELLOW, s.getBand());
    assertEquals(CARD, s.getScorecardId());
    assertEquals(1, s.getScorecardVersion());
    assertTrue(s.getPrimary());
    assertFalse(s.getNoData());
    assertEquals(1.0, s.getCoverage(), 1e-6);
    assertEquals(1, s.getDriversCount());

    assertEquals(Status.Code.NOT_FOUND, code(() -> score("nobody")));
    assertEquals(List.of("account_id"), fields(() -> score("")));
    assertEquals(
        Status.Code.NOT_FOUND,
        code(() -> h.stub().getScore(GetScoreRequest.newBuilder().setAccountId("a1").setScorecardId("nope").build())));
  }

  @Test
  void accountWithoutSignalsGetsANoDataScore() {
    h.signals.putAccount(FakeSignalService.account("quiet", "smb", 10));
    h.awaitFeedCaughtUp();
    HealthScore s = score("quiet");
    assertTrue(s.getNoData());
    assertEquals(0.0, s.getCoverage(), 1e-9);
  }

  @Test
  void theFirstRealScoreAfterNoDataTakesItsBandFromItsValue() {
    h.signals.putAccount(FakeSignalService.account("new", "smb", 10));
    h.awaitFeedCaughtUp();
    assertEquals(Band.BAND_YELLOW, score("new").getBand()); // the 5.5 placeholder
    setLogins("new", 32); // 3.88: red, although within the hysteresis margin of the yellow cut-off
    assertEquals(3.88, score("new").getScore(), 1e-4);
    assertEquals(Band.BAND_RED, score("new").getBand());
  }

  @Test
  void feedChangeRecomputesServesNewScoreAndPublishesOnWatch() throws Exception {
    assertEquals(10.0, scored("a1", "smb", 100, 100).getScore(), 1e-6);
    BlockingQueue<ScoreChange> seen = new LinkedBlockingQueue<>();
    h.asyncStub().watchScores(WatchScoresRequest.getDefaultInstance(), collector(seen));
    ScoreChange first = seen.poll(20, TimeUnit.SECONDS);
    assertEquals("a1", first.getAccountId());
    assertFalse(first.hasPrevious());

    setLogins("a1", 0);
    assertEquals(1.0, score("a1").getScore(), 1e-6);
    ScoreChange second = seen.poll(20, TimeUnit.SECONDS);
    assertTrue(second.getCursor() > first.getCursor());
    assertEquals(10.0, second.getPrevious().getScore(), 1e-6);
    assertEquals(1.0, second.getCurrent().getScore(), 1e-6);
    assertTrue(second.getBandChanged());
    assertEquals(Band.BAND_RED, second.getCurrent().getBand());
  }

  @Test
  void watchResumesAfterACursorWithoutGapOrRepeat() throws Exception {
    scored("a1", "smb", 100, 10);
    setLogins("a1", 30);
    setLogins("a1", 60);
    BlockingQueue<ScoreChange> all = new LinkedBlockingQueue<>();
    h.asyncStub().watchScores(WatchScoresRequest.getDefaultInstance(), collector(all));
    List<ScoreChange> replay = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      replay.add(all.poll(20, TimeUnit.SECONDS));
    }
    BlockingQueue<ScoreChange> resumed = new LinkedBlockingQueue<>();
    h.asyncStub()
        .watchScores(WatchScoresRequest.newBuilder().setAfterCursor(replay.get(0).getCursor()).build(), collector(resumed));
    assertEquals(replay.get(1).getCursor(), resumed.poll(20, TimeUnit.SECONDS).getCursor());
    assertEquals(replay.get(2).getCursor(), resumed.poll(20, TimeUnit.SECONDS).getCursor());
    setLogins("a1", 90);
    ScoreChange live = resumed.poll(20, TimeUnit.SECONDS);
    assertEquals(replay.get(2).getCursor() + 1, live.getCursor());
    assertEquals(code(() -> {
      var it = h.stub().watchScores(WatchScoresRequest.newBuilder().setAfterCursor(-1).build());
      it.hasNext();
    }), Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void smallMovesAreNotMaterialButDriftAddsUp() {
    scored("a1", "smb", 100, 50);
    long before = history("a1").getPointsCount();
    setLogins("a1", 50.5); // 5.545: moved 0.045, below 0.1
    assertEquals(before, history("a1").getPointsCount());
    assertEquals(5.545, score("a1").getScore(), 1e-4); // the cache serves the new computation
    setLogins("a1", 51.2); // 5.608: 0.108 from the published 5.5
    assertEquals(before + 1, history("a1").getPointsCount());
  }

  @Test
  void hysteresisKeepsTheBandNearACutoff() {
    assertEquals(Band.BAND_YELLOW, scored("a1", "smb", 100, 60).getBand()); // 6.4
    setLogins("a1", 68); // 7.12: past 7 but not by 0.3
    assertEquals(Band.BAND_YELLOW, score("a1").getBand());
    setLogins("a1", 72); // 7.48
    assertEquals(Band.BAND_GREEN, score("a1").getBand());
    setLogins("a1", 65); // 6.85: below 7 but not by 0.3
    assertEquals(Band.BAND_GREEN, score("a1").getBand());
    setLogins("a1", 60); // 6.4
    assertEquals(Band.BAND_YELLOW, score("a1").getBand());
  }

  @Test
  void batchGetScoresListsMissingAccountsAndLimitsTheBatch() {
    scored("a1", "smb", 100, 50);
    scored("a2", "smb", 100, 80);
    BatchGetScoresResponse r =
        h.stub().batchGetScores(BatchGetScoresRequest.newBuilder().addAccountIds("a2").addAccountIds("zz").addAccountIds("a1").build());
    assertEquals(List.of("a2", "a1"), r.getScoresList().stream().map(HealthScore::getAccountId).toList());
    assertEquals(List.of("zz"), r.getMissingAccountIdsList());
    BatchGetScoresRequest.Builder tooMany = BatchGetScoresRequest.newBuilder();
    for (int i = 0; i < 1001; i++) {
      tooMany.addAccountIds("x" + i);
    }
    assertEquals(List.of("account_ids"), fields(() -> h.stub().batchGetScores(tooMany.build())));
  }

  /**
   * Accounts scoring has not met yet (no change on the feed) are looked up, read and scored
   * together: one feature read for the whole batch, not one per account.
   */
  @Test
  void batchGetScoresScoresAccountsNotSeenYetInOneFeatureRead() {
    int accounts = 60;
    BatchGetScoresRequest.Builder request = BatchGetScoresRequest.newBuilder();
    for (int i = 0; i < accounts; i++) {
      h.signals.setAccount(FakeSignalService.account("b" + i, "smb", 100));
      h.signals.putFeatures("b" + i, Map.of(TestScorecards.FEATURE, 10.0 + i), Map.of());
      request.addAccountIds("b" + i);
    }
    request.addAccountIds("b0");
    int readsBefore = h.signals.batchGetFeaturesCalls.get();
    List<HealthScore> scores = h.stub().batchGetScores(request.build()).getScoresList();
    assertEquals(1, h.signals.batchGetFeaturesCalls.get() - readsBefore, "feature reads for the batch");
    assertEquals(accounts + 1, scores.size());
    for (int i = 0; i < accounts; i++) {
      assertEquals("b" + i, scores.get(i).getAccountId());
      assertEquals(1 + 0.09 * (10 + i), scores.get(i).getScore(), 1e-6, "b" + i);
    }
    assertEquals(scores.get(0), scores.get(accounts), "an account asked for twice is served twice");
  }

  @Test
  void listScoresFiltersOrdersAndPages() {
    scored("a1", "smb", 1000, 10); // 1.9 red
    scored("a2", "smb", 100, 50); // 5.5 yellow
    scored("a3", "ent", 5000, 90); // 9.1 green
    scored("a4", "smb", 200, 30); // 3.7 red
    ListScoresResponse page1 =
        h.stub().listScores(ListScoresRequest.newBuilder().setPageSize(2).build());
    assertEquals(List.of("a1", "a4"), ids(page1));
    assertEquals(4, page1.getTotalSize());
    ListScoresResponse page2 =
        h.stub().listScores(ListScoresRequest.newBuilder().setPageSize(2).setPageToken(page1.getNextPageToken()).build());
    assertEquals(List.of("a2", "a3"), ids(page2));
    assertEquals("", page2.getNextPageToken());

    assertEquals(
        List.of("a1", "a4"),
        ids(h.stub().listScores(ListScoresRequest.newBuilder().addBands(Band.BAND_RED).build())));
    assertEquals(
        List.of("a3"), ids(h.stub().listScores(ListScoresRequest.newBuilder().setSegment("ent").build())));
    assertEquals(
        List.of("a4", "a2"),
        ids(h.stub().listScores(ListScoresRequest.newBuilder().setMinScore(3).setMaxScore(6).build())));
    // MRR at risk with band rates: a1 1000*0.25, a3 5000*0.03=150, a4 200*0.25=50, a2 100*0.1=10.
    assertEquals(
        List.of("a1", "a3", "a4", "a2"),
        ids(h.stub().listScores(ListScoresRequest.newBuilder().setOrder(ScoreOrder.SCORE_ORDER_MRR_AT_RISK_DESC).build())));
    assertEquals(
        List.of("a3", "a2", "a4", "a1"),
        ids(h.stub().listScores(ListScoresRequest.newBuilder().setOrder(ScoreOrder.SCORE_ORDER_SCORE_DESC).build())));

    assertEquals(
        List.of("page_token"),
        fields(() -> h.stub().listScores(ListScoresRequest.newBuilder().setPageToken("garbage!").build())));
    assertEquals(
        List.of("page_token"),
        fields(
            () ->
                h.stub()
                    .listScores(
                        ListScoresRequest.newBuilder().setSegment("ent").setPageToken(page1.getNextPageToken()).build())));
    assertEquals(
        List.of("page_size", "min_score"),
        fields(() -> h.stub().listScores(ListScoresRequest.newBuilder().setPageSize(-1).setMinScore(5).setMaxScore(2).build())));
  }

  static List<String> ids(ListScoresResponse r) {
    return r.getScoresList().stream().map(HealthScore::getAccountId).toList();
  }

  GetScoreHistoryResponse history(String id) {
    return h.stub().getScoreHistory(GetScoreHistoryRequest.newBuilder().setAccountId(id).build());
  }

  @Test
  void historyAndTrendFollowMaterialChanges() {
    scored("a1", "smb", 100, 20); // 2.8
    h.clock.advance(Duration.ofDays(10));
    setLogins("a1", 80); // 8.2
    GetScoreHistoryResponse hist = history("a1");
    assertEquals(List.of(2.8, 8.2), hist.getPointsList().stream().map(p -> Math.round(p.getScore() * 10) / 10.0).toList());
    HealthScore s = score("a1");
    assertEquals(8.2 - 2.8, s.getTrend().getDelta7D(), 1e-4);
    assertFalse(s.getTrend().hasDelta30D());
    // A range keeps only the points inside it.
    long cut = Timestamps.toMillis(hist.getPoints(1).getComputedAt());
    GetScoreHistoryResponse later =
        h.stub()
            .getScoreHistory(
                GetScoreHistoryRequest.newBuilder().setAccountId("a1").setStartTime(Timestamps.fromMillis(cut)).build());
    assertEquals(1, later.getPointsCount());
    assertEquals(Status.Code.NOT_FOUND, code(() -> history("ghost")));
  }

  @Test
  void explainScoreGivesSummaryLinesAndMissingMeasures() {
    h.signals.putAccount(FakeSignalService.account("quiet", "smb", 10));
    scored("a1", "smb", 100, 20);
    ExplainScoreResponse e = h.stub().explainScore(ExplainScoreRequest.newBuilder().setAccountId("a1").build());
    assertFalse(e.getSummary().isEmpty());
    assertEquals(1, e.getLinesCount());
    assertEquals(0, e.getMissingMeasuresCount());
    ExplainScoreResponse quiet = h.stub().explainScore(ExplainScoreRequest.newBuilder().setAccountId("quiet").build());
    assertEquals(1, quiet.getMissingMeasuresCount());
    assertEquals(Status.Code.NOT_FOUND, code(() -> h.stub().explainScore(ExplainScoreRequest.newBuilder().setAccountId("x").build())));
  }

  @Test
  void putScorecardValidatesStoresAVersionAndRescores() {
    scored("a1", "smb", 100, 50);
    Scorecard bad =
        TestScorecards.logins(CARD).toBuilder()
            .setComponents(0, TestScorecards.logins(CARD).getComponents(0).toBuilder().setWeight(-1))
            .build();
    List<String> badFields = fields(() -> h.stub().putScorecard(PutScorecardRequest.newBuilder().setScorecard(bad).build()));
    assertTrue(badFields.contains("scorecard.components[0].weight"), badFields.toString());
    assertEquals(1, h.stub().getScorecard(GetScorecardRequest.newBuilder().setScorecardId(CARD).build()).getScorecard().getVersion());

    // Version 2 is harsher: 50 logins of 200 is 2.5 points.
    Scorecard harsher = TestScorecards.logins(CARD);
    harsher =
        harsher.toBuilder()
            .setComponents(
                0,
                harsher.getComponents(0).toBuilder()
                    .setMeasures(0, harsher.getComponents(0).getMeasures(0).toBuilder().setLinear(
                        io.healthscore.v1.LinearMapping.newBuilder().setWorst(0).setBest(200))))
            .build();
    PutScorecardResponse put = h.stub().putScorecard(PutScorecardRequest.newBuilder().setScorecard(harsher).build());
    assertEquals(2, put.getScorecard().getVersion());
    assertEquals(1, put.getAccountsAffected());
    Await.until("rescore with version 2", () -> score("a1").getScorecardVersion() == 2);
    assertEquals(1 + 0.9 * 2.5, score("a1").getScore(), 1e-6);

    assertEquals(1, h.stub().getScorecard(GetScorecardRequest.newBuilder().setScorecardId(CARD).setVersion(1).build())
        .getScorecard().getVersion());
    assertEquals(List.of(CARD), h.stub().listScorecards(ListScorecardsRequest.getDefaultInstance())
        .getScorecardsList().stream().map(Scorecard::getScorecardId).toList());
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub().getScorecard(GetScorecardRequest.newBuilder().setScorecardId(CARD).setVersion(9).build())));
    assertEquals(List.of("scorecard_id"), fields(() -> h.stub().getScorecard(GetScorecardRequest.getDefaultInstance())));
  }

  /** account:scorecard of every listed score, in list order (by account id: equal scores). */
  List<String> listed(String scorecardId) {
    return h.stub().listScores(ListScoresRequest.newBuilder().setScorecardId(scorecardId).build()).getScoresList()
        .stream().map(s -> s.getAccountId() + ":" + s.getScorecardId()).toList();
  }

  @Test
  void scoresOnScorecardsThatNoLongerApplyAreRemoved() {
    Scorecard regional =
        TestScorecards.logins("regional").toBuilder().setIsDefault(false).setPriority(10)
            .addSegments("smb").addSegments("mid").build();
    h.stub().putScorecard(PutScorecardRequest.newBuilder().setScorecard(regional).build());
    scored("a1", "smb", 100, 50);
    scored("a2", "mid", 100, 50);
    scored("a3", "ent", 100, 50);
    assertEquals(List.of("a1:regional", "a2:regional", "a3:logins"), listed(""));
    assertEquals(List.of("a3:logins"), listed(CARD));

    // The account moves to a segment the regional scorecard does not cover: the default catches it.
    h.signals.putAccount(FakeSignalService.account("a1", "ent", 100));
    h.awaitFeedCaughtUp();
    assertEquals(List.of("a1:logins", "a2:regional", "a3:logins"), listed(""));
    assertEquals(List.of("a2:regional"), listed("regional"));
    assertEquals(1, h.stub().listScores(ListScoresRequest.newBuilder().setScorecardId("regional").build()).getTotalSize());
    assertEquals(Status.Code.NOT_FOUND, code(() -> h.stub().getScore(
        GetScoreRequest.newBuilder().setAccountId("a1").setScorecardId("regional").build())));
    assertEquals("logins", score("a1").getScorecardId());

    // The scorecard drops a segment: its scores there go, and those accounts fall back to the default.
    PutScorecardResponse narrowed = h.stub().putScorecard(PutScorecardRequest.newBuilder()
        .setScorecard(regional.toBuilder().clearSegments().addSegments("smb")).build());
    assertEquals(1, narrowed.getAccountsAffected()); // a2, which it scored before
    Await.until("regional scores removed", () -> listed("regional").isEmpty());
    Await.until("a2 on the default", () -> listed(CARD).equals(List.of("a1:logins", "a2:logins", "a3:logins")));
    assertEquals(List.of("a1:logins", "a2:logins", "a3:logins"), listed(""));
    assertTrue(score("a2").getPrimary());
    assertEquals(Status.Code.NOT_FOUND, code(() -> h.stub().getScore(
        GetScoreRequest.newBuilder().setAccountId("a2").setScorecardId("regional").build())));
  }

  @Test
  void validateScorecardPreviewsWithoutActivating() {
    scored("a1", "smb", 100, 10); // red
    scored("a2", "smb", 100, 90); // green
    Scorecard candidate = TestScorecards.logins("candidate");
    ValidateScorecardResponse r =
        h.stub().validateScorecard(ValidateScorecardRequest.newBuilder().setScorecard(candidate).build());
    assertTrue(r.getValid());
    assertEquals(2, r.getPreview().getAccounts());
    assertEquals(1, r.getPreview().getRed());
    assertEquals(1, r.getPreview().getGreen());
    assertEquals(10, r.getPreview().getHistogramCount());
    assertEquals(1, h.stub().listScorecards(ListScorecardsRequest.getDefaultInstance()).getScorecardsCount());
    // A measure reading a metric no account has ever sent is a warning, not a problem.
    Scorecard seats = candidate.toBuilder().setComponents(0, candidate.getComponents(0).toBuilder()
        .addMeasures(Measure.newBuilder().setMeasureId("seats").setFeature("seats_used.sum_30d").setWeight(1)
            .setLinear(LinearMapping.newBuilder().setWorst(0).setBest(10)))).build();
    List<String> warnings =
        h.stub().validateScorecard(ValidateScorecardRequest.newBuilder().setScorecard(seats).build()).getWarningsList();
    assertTrue(warnings.contains("measure seats: no account has ever sent metric seats_used; the measure counts as no data until one does"),
        warnings.toString());
    assertTrue(warnings.stream().noneMatch(w -> w.contains("metric logins")), warnings.toString());
    Scorecard invalid = candidate.toBuilder().setScorecardId("Not Valid!").build();
    assertTrue(fields(() -> h.stub().validateScorecard(ValidateScorecardRequest.newBuilder().setScorecard(invalid).build()))
        .contains("scorecard.scorecard_id"));
  }

  @Test
  void overridesNeedAReasonApplyUntilExpiryAndAreAudited() throws Exception {
    scored("a1", "smb", 100, 90); // 9.1 green
    assertEquals(
        List.of("reason", "score", "expire_time"),
        fields(
            () ->
                h.stub()
                    .setOverride(
                        SetOverrideRequest.newBuilder()
                            .setAccountId("a1")
                            .setScore(11)
                            .setExpireTime(Timestamps.fromMillis(h.clock.millis() - 1000))
                            .build())));
    assertEquals(
        List.of("reason", "set_by", "expire_time"),
        fields(
            () ->
                h.stub()
                    .setOverride(
                        SetOverrideRequest.newBuilder()
                            .setAccountId("a1")
                            .setScore(3)
                            .setReason("r".repeat(2001))
                            .setSetBy("s".repeat(257))
                            .setExpireTime(Timestamp.newBuilder().setSeconds(1).setNanos(-5))
                            .build())));
    assertEquals(
        List.of("reason", "cleared_by"),
        fields(
            () ->
                h.stub()
                    .clearOverride(
                        ClearOverrideRequest.newBuilder()
                            .setAccountId("a1")
                            .setReason("r".repeat(2001))
                            .setClearedBy("c".repeat(257))
                            .build())));
    assertFalse(score("a1").hasOverride(), "nothing stored");
    BlockingQueue<ScoreChange> seen = new LinkedBlockingQueue<>();
    h.asyncStub().watchScores(WatchScoresRequest.getDefaultInstance(), collector(seen));
    seen.poll(20, TimeUnit.SECONDS); // the first score

    HealthScore overridden =
        h.stub()
            .setOverride(
                SetOverrideRequest.newBuilder()
                    .setAccountId("a1")
                    .setBand(Band.BAND_RED)
                    .setReason("champion left last week")
                    .setSetBy("csm@example.com")
                    .setExpireTime(Timestamps.fromMillis(h.clock.millis() + Duration.ofDays(1).toMillis()))
                    .build())
            .getScore();
    assertEquals(Band.BAND_RED, overridden.getBand());
    assertEquals(Band.BAND_GREEN, overridden.getComputedBand());
    assertEquals("csm@example.com", overridden.getOverride().getSetBy());
    assertEquals(Band.BAND_RED, score("a1").getBand());
    ScoreChange change = seen.poll(20, TimeUnit.SECONDS);
    assertEquals(Band.BAND_RED, change.getCurrent().getBand());
    assertTrue(change.getCurrent().hasOverride());

    h.clock.advance(Duration.ofDays(2));
    HealthScore expired = score("a1");
    assertEquals(Band.BAND_GREEN, expired.getBand());
    assertFalse(expired.hasOverride());
    assertEquals(1, h.server().overrideExpiry().sweep());
    ScoreChange back = seen.poll(20, TimeUnit.SECONDS);
    assertEquals(Band.BAND_GREEN, back.getCurrent().getBand());
    assertTrue(history("a1").getPoints(1).getOverridden());
    assertFalse(history("a1").getPoints(2).getOverridden());

    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub().clearOverride(ClearOverrideRequest.newBuilder().setAccountId("a1").build())));
    h.stub().setOverride(SetOverrideRequest.newBuilder().setAccountId("a1").setScore(2).setReason("test").build());
    assertEquals(2.0, score("a1").getScore(), 1e-9);
    assertEquals(Band.BAND_RED, score("a1").getBand());
    HealthScore cleared =
        h.stub().clearOverride(ClearOverrideRequest.newBuilder().setAccountId("a1").setReason("resolved").build()).getScore();
    assertEquals(9.1, cleared.getScore(), 1e-6);
    assertFalse(score("a1").hasOverride());
  }

  @Test
  void parentRollsUpItsWorstChild() {
    h.signals.putAccount(FakeSignalService.account("parent", "ent", 0));
    h.signals.setFeatures("parent", Map.of(TestScorecards.FEATURE, 100.0));
    for (String child : List.of("c1", "c2")) {
      h.signals.putAccount(FakeSignalService.account(child, "ent", 100).toBuilder().setParentAccountId("parent").build());
    }
    h.signals.setFeatures("c1", Map.of(TestScorecards.FEATURE, 90.0));
    h.signals.setFeatures("c2", Map.of(TestScorecards.FEATURE, 20.0));
    h.awaitFeedCaughtUp();
    HealthScore parent = score("parent");
    assertTrue(parent.getRolledUp());
    assertEquals(1 + 0.9 * 2, parent.getScore(), 1e-6);
    setLogins("c2", 80);
    assertEquals(1 + 0.9 * 8, score("parent").getScore(), 1e-6);
    assertFalse(score("c1").getRolledUp());
  }

  static StreamObserver<WatchScoresResponse> collector(BlockingQueue<ScoreChange> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchScoresResponse value) {
        into.add(value.getChange());
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  @Test
  void unusedAccountFieldsDoNotBreakScoring() {
    Account a = FakeSignalService.account("odd", "", 0).toBuilder().setLifecycleStage("").build();
    h.signals.putAccount(a);
    h.awaitFeedCaughtUp();
    assertNotEquals(Band.BAND_UNSPECIFIED, score("odd").getBand());
  }
}
