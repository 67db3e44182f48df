package io.healthscore.scoring.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.BooleanMapping;
import io.healthscore.v1.Component;
import io.healthscore.v1.Driver;
import io.healthscore.v1.ExplainScoreRequest;
import io.healthscore.v1.ExplainScoreResponse;
import io.healthscore.v1.GetRescoreRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.Measure;
import io.healthscore.v1.PercentileMapping;
import io.healthscore.v1.Rescore;
import io.healthscore.v1.RescoreState;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.StartRescoreRequest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A score read back from the store after a restart explains exactly as the one computed before:
 * percentile points and input ages are part of what is stored, not only the raw values.
 */
class StoredScoreExplanationTest {
  static final String CARD = "explained";
  static final String CHAMPION = "csm.champion.last";

  @TempDir Path dir;
  ScoringHarness h;

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  static Scorecard card() {
    return Scorecard.newBuilder()
        .setScorecardId(CARD)
        .setName("Explained")
        .setIsDefault(true)
        .addComponents(
            Component.newBuilder()
                .setComponentId("usage")
                .setWeight(1)
                .addMeasures(
                    Measure.newBuilder()
                        .setMeasureId("logins_rank")
                        .setName("Logins in 30 days")
                        .setFeature(TestScorecards.FEATURE)
                        .setWeight(1)
                        .setPercentile(PercentileMapping.getDefaultInstance())))
        .addComponents(
            Component.newBuilder()
                .setComponentId("csm")
                .setWeight(1)
                .addMeasures(
                    Measure.newBuilder()
                        .setMeasureId("champion")
                        .setName("Internal champion")
                        .setFeature(CHAMPION)
                        .setStaleAfterDays(90)
                        .setWeight(1)
                        .setBoolean(BooleanMapping.newBuilder().setTruePoints(10).setFalsePoints(2))))
        .build();
  }

  ExplainScoreResponse explain(String id) {
    return h.stub().explainScore(ExplainScoreRequest.newBuilder().setAccountId(id).build());
  }

  static Driver driver(HealthScore s, String measureId) {
    return s.getDriversList().stream().filter(d -> d.getMeasureId().equals(measureId)).findFirst().orElseThrow();
  }

  /** Impact changes compare with the computation before the last one, which is not stored. */
  static HealthScore withoutImpactChanges(HealthScore s) {
    HealthScore.Builder b = s.toBuilder();
    for (Driver.Builder d : b.getDriversBuilderList()) {
      d.clearImpactChange();
    }
    return b.build();
  }

  @Test
  void percentilePointsAndInputAgesSurviveARestart() {
    h = new ScoringHarness(dir.resolve("data")).withScorecard(card()).start();
    for (int i = 1; i <= 4; i++) {
      String id = "a" + i;
      h.signals.setFeatures(
          id,
          Map.of(TestScorecards.FEATURE, 10.0 * i, CHAMPION, 1.0, "csm.champion.days_since_last", i == 1 ? 120.0 : 10.0));
      h.signals.putAccount(FakeSignalService.account(id, "smb", 100));
    }
    h.awaitFeedCaughtUp();
    // A rescore builds the segment's distribution, so the percentile measure gets points.
    Rescore job = h.stub().startRescore(StartRescoreRequest.newBuilder().setScorecardId(CARD).build()).getRescore();
    Await.until("rescore done", () -> h.stub().getRescore(
        GetRescoreRequest.newBuilder().setRescoreId(job.getRescoreId()).build()).getRescore().getState()
        == RescoreState.RESCORE_STATE_DONE);

    ExplainScoreResponse before = explain("a1");
    Driver rank = driver(before.getScore(), "logins_rank");
    Driver champion = driver(before.getScore(), "champion");
    assertTrue(rank.hasPoints(), rank.toString());
    assertEquals(1.25, rank.getPoints(), 1e-6); // 10 is the lowest of four: mid-rank 1/8
    assertTrue(champion.getStale());
    assertEquals(120, champion.getAgeDays(), 1e-6);
    assertEquals("internal champion is stale: 120 days old, limit 90; left out", champion.getSentence());
    assertEquals(10, driver(explain("a2").getScore(), "champion").getAgeDays(), 1e-6);

    h.restart();

    ExplainScoreResponse after = explain("a1");
    assertEquals(withoutImpactChanges(before.getScore()), withoutImpactChanges(after.getScore()));
    assertEquals(before.getLinesList(), after.getLinesList());
    assertEquals(before.getSummary(), after.getSummary());
    assertEquals(before.getStaleMeasuresList(), after.getStaleMeasuresList());
    assertEquals(before.getMissingMeasuresList(), after.getMissingMeasuresList());
    assertEquals(10, driver(explain("a2").getScore(), "champion").getAgeDays(), 1e-6);
  }
}
