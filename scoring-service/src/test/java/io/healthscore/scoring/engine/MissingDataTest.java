package io.healthscore.scoring.engine;

import static io.healthscore.scoring.testing.TestCards.account;
import static io.healthscore.scoring.testing.TestCards.compiled;
import static io.healthscore.scoring.testing.TestCards.ctx;
import static io.healthscore.scoring.testing.TestCards.linear;
import static io.healthscore.scoring.testing.TestCards.measure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.v1.Band;
import io.healthscore.v1.BooleanMapping;
import io.healthscore.v1.MissingPolicy;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MissingDataTest {
  private static final double EPS = 1e-4;

  @Test
  void redistributeGivesAMissingMeasuresWeightToItsSiblings() {
    CompiledScorecard sc =
        compiled(
            linear("a", "fa", 0, 10).setWeight(1),
            linear("b", "fb", 0, 10).setWeight(1),
            linear("c", "fc", 0, 10).setWeight(2));
    ComputedScore all = sc.score(account(Map.of("fa", 10.0, "fb", 0.0, "fc", 5.0)), ctx(), Band.BAND_UNSPECIFIED);
    assertEquals(0.25, sc.evaluate(all).effectiveWeight()[0], EPS);
    assertEquals(0.5, sc.evaluate(all).effectiveWeight()[2], EPS);
    assertEquals(1 + 0.9 * (10 * 0.25 + 0 + 5 * 0.5), all.score(), EPS);
    assertEquals(1.0, all.coverage(), EPS);

    ComputedScore missingB = sc.score(account(Map.of("fa", 10.0, "fc", 5.0)), ctx(), Band.BAND_UNSPECIFIED);
    CompiledScorecard.Evaluation e = sc.evaluate(missingB);
    assertEquals(1.0 / 3, e.effectiveWeight()[0], EPS);
    assertEquals(0, e.effectiveWeight()[1], EPS);
    assertEquals(2.0 / 3, e.effectiveWeight()[2], EPS);
    assertEquals(1 + 0.9 * (10 / 3.0 + 5 * 2 / 3.0), missingB.score(), EPS);
    assertEquals(0.75, missingB.coverage(), EPS);
    assertTrue(Float.isNaN(missingB.values()[1]));
  }

  @Test
  void fixedCountsMissingPointsButNotCoverage() {
    CompiledScorecard sc =
        compiled(
            linear("a", "fa", 0, 10),
            linear("b", "fb", 0, 10).setMissingPolicy(MissingPolicy.MISSING_POLICY_FIXED).setMissingPoints(2));
    ComputedScore s = sc.score(account(Map.of("fa", 10.0)), ctx(), Band.BAND_UNSPECIFIED);
    assertEquals(1 + 0.9 * (10 + 2) / 2, s.score(), EPS);
    assertEquals(0.5, s.coverage(), EPS);
    assertEquals(0.5, sc.evaluate(s).effectiveWeight()[1], EPS);
    assertFalse(s.noData());
  }

  @Test
  void onlyFixedPlaceholdersMeansNoData() {
    CompiledScorecard sc =
        compiled(linear("b", "fb", 0, 10).setMissingPolicy(MissingPolicy.MISSING_POLICY_FIXED).setMissingPoints(0));
    ComputedScore s = sc.score(account(Map.of()), ctx(), Band.BAND_UNSPECIFIED);
    assertTrue(s.noData());
    assertEquals(5.5, s.score(), EPS);
  }

  @Test
  void accountAttributesWithoutAnySignalAreNoData() {
    CompiledScorecard sc =
        compiled(linear("seats", "account.license_utilization", 0, 1), linear("usage", "logins.count_30d", 0, 30));
    ComputedScore onboarding =
        sc.score(account(Map.of("account.license_utilization", 0.0, "account.tenure_days", 3.0)), ctx(),
            Band.BAND_UNSPECIFIED);
    assertTrue(onboarding.noData(), "no signal yet: not red, but no data");
    assertEquals(5.5, onboarding.score(), EPS);
    assertEquals(0, onboarding.coverage(), EPS);

    ComputedScore firstSignal =
        sc.score(account(Map.of("account.license_utilization", 0.0, "logins.count_30d", 3.0)), ctx(),
            Band.BAND_UNSPECIFIED);
    assertFalse(firstSignal.noData());
    assertEquals(1 + 0.9 * (0 + 1) / 2, firstSignal.score(), EPS);
  }

  @Test
  void staleManualInputIsMissingAndFlagged() {
    CompiledScorecard sc =
        compiled(
            linear("usage", "fa", 0, 10),
            measure("champion", "csm.champion")
                .setStaleAfterDays(90)
                .setBoolean(BooleanMapping.newBuilder().setTruePoints(10).setFalsePoints(0)));
    ComputedScore fresh =
        sc.score(
            account("a", "smb", Map.of("fa", 0.0, "csm.champion.days_since_last", 90.0), Map.of("csm.champion", "strong")),
            ctx(),
            Band.BAND_UNSPECIFIED);
    assertFalse(fresh.isStale(1));
    assertEquals(1 + 0.9 * 5, fresh.score(), EPS);
    assertEquals(90, sc.evaluate(fresh).ageDays()[1], EPS);

    ComputedScore stale =
        sc.score(
            account("a", "smb", Map.of("fa", 0.0, "csm.champion.days_since_last", 91.0), Map.of("csm.champion", "strong")),
            ctx(),
            Band.BAND_UNSPECIFIED);
    assertTrue(stale.isStale(1));
    assertFalse(stale.isStale(0));
    assertEquals(1.0, stale.score(), EPS);
    assertEquals(0.5, stale.coverage(), EPS);
    assertEquals(1.0f, stale.values()[1]);
  }

  @Test
  void staleNumericInputUsesTheMetricsDaysSinceLast() {
    CompiledScorecard sc =
        compiled(linear("a", "fa", 0, 10), linear("nps", "survey.nps.last", -100, 100).setStaleAfterDays(30));
    ComputedScore s =
        sc.score(account(Map.of("fa", 10.0, "survey.nps.last", -100.0, "survey.nps.days_since_last", 45.0)), ctx(), Band.BAND_UNSPECIFIED);
    assertTrue(s.isStale(1));
    assertEquals(10.0, s.score(), EPS);
  }
}
