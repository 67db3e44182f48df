package io.healthscore.scoring.engine;

import static io.healthscore.scoring.testing.TestCards.account;
import static io.healthscore.scoring.testing.TestCards.compiled;
import static io.healthscore.scoring.testing.TestCards.ctx;
import static io.healthscore.scoring.testing.TestCards.linear;
import static io.healthscore.scoring.testing.TestCards.measure;
import static io.healthscore.scoring.testing.TestCards.thresholds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.v1.Band;
import io.healthscore.v1.BooleanMapping;
import io.healthscore.v1.DaysSinceMapping;
import io.healthscore.v1.Driver;
import io.healthscore.v1.GoalMapping;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.MeasureKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScoreExplainerTest {
  private static final CompiledScorecard SC =
      compiled(
          measure("wau_trend", "active_users.trend_30d").setName("Weekly active users").setThresholds(thresholds(0, -0.1, 5, 0, 10)),
          measure("last_login", "logins.days_since_last").setName("Last login")
              .setDaysSince(DaysSinceMapping.newBuilder().setBestDays(3).setWorstDays(30)),
          measure("seats", "account.license_utilization").setName("Seats in use").setGoal(GoalMapping.newBuilder().setGoal(0.8)),
          measure("champion", "csm.champion").setName("Champion").setKind(MeasureKind.MEASURE_KIND_PROACTIVE)
              .setBoolean(BooleanMapping.newBuilder().setTruePoints(9).setFalsePoints(0)),
          linear("csat", "survey.csat.mean_90d", 1, 5).setName("CSAT"));

  private static ComputedScore score(double trend) {
    return SC.score(
        account("a", "smb",
            Map.of("active_users.trend_30d", trend, "logins.days_since_last", 12.0, "account.license_utilization", 0.6),
            Map.of("csm.champion", "yes")),
        ctx(), Band.BAND_UNSPECIFIED);
  }

  @Test
  void aYellowScoreLeadsWithWhatPullsItDownWithPlainSentences() {
    ComputedScore now = score(-0.38);
    HealthScore h = ScoreExplainer.explain(SC, now, null).build();
    List<String> order = h.getDriversList().stream().map(Driver::getMeasureId).toList();
    assertEquals(List.of("wau_trend", "champion", "seats", "last_login", "csat"), order);
    assertEquals(
        List.of(
            "-1.1: weekly active users 38% below the previous 30 days",
            "+0.9: champion: yes",
            "+0.6: seats in use at 75% of goal",
            "+0.4: 12 days since last login",
            "CSAT has no data; left out"),
        ScoreExplainer.lines(h));
    Driver trend = h.getDrivers(0);
    assertEquals(0.25, trend.getEffectiveWeight(), 1e-6);
    assertEquals(0, trend.getPoints(), 1e-6);
    assertEquals(-0.38, trend.getRawValue(), 1e-6);
    assertEquals(-1.125, trend.getImpact(), 1e-6);
    Driver csat = h.getDrivers(4);
    assertTrue(csat.getMissing());
    assertFalse(csat.hasRawValue());
    assertFalse(csat.hasPoints());
    assertTrue(h.getDrivers(1).getProactive());
  }

  @Test
  void impactsAddUpToTheDistanceFromNeutral() {
    ComputedScore now = score(-0.05);
    HealthScore h = ScoreExplainer.explain(SC, now, null).build();
    double sum = h.getDriversList().stream().mapToDouble(Driver::getImpact).sum();
    assertEquals(h.getScore() - 5.5, sum, 1e-5);
    assertEquals(now.score(), h.getComputedScore(), 1e-9);
    assertEquals(now.computedBand(), h.getBand());
    assertEquals(0.8, h.getCoverage(), 1e-6);
    assertEquals(0.25, h.getProactiveShare(), 1e-6);
    assertEquals(0.75, h.getReactiveShare(), 1e-6);
  }

  @Test
  void impactChangeAgainstThePreviousScore() {
    HealthScore h = ScoreExplainer.explain(SC, score(-0.38), score(0.05)).build();
    assertEquals(-2.25, h.getDrivers(0).getImpactChange(), 1e-6);
    assertEquals(0, h.getDrivers(1).getImpactChange(), 1e-6);
  }

  @Test
  void summaryNamesWhatPullsDownHoldsUpAndIsMissing() {
    HealthScore h = ScoreExplainer.explain(SC, score(-0.38), null).build();
    String summary = ScoreExplainer.summary(h);
    assertTrue(summary.startsWith("Score "), summary);
    assertTrue(summary.contains("Pulling it down: weekly active users (-1.1)."), summary);
    assertTrue(summary.contains("Holding it up: champion (+0.9), seats in use (+0.6), last login (+0.4)."), summary);
    assertTrue(summary.contains("Missing: CSAT."), summary);
  }

  @Test
  void staleInputIsSaidWithItsAge() {
    CompiledScorecard sc =
        compiled(
            linear("a", "fa", 0, 10),
            measure("sponsor", "csm.executive_sponsor").setName("Executive sponsor").setStaleAfterDays(90)
                .setBoolean(BooleanMapping.newBuilder().setTruePoints(10)));
    ComputedScore s =
        sc.score(account("a", "smb", Map.of("fa", 5.0, "csm.executive_sponsor.days_since_last", 120.0),
            Map.of("csm.executive_sponsor", "yes")), ctx(), Band.BAND_UNSPECIFIED);
    HealthScore h = ScoreExplainer.explain(sc, s, null).build();
    Driver sponsor = h.getDriversList().stream().filter(d -> d.getMeasureId().equals("sponsor")).findFirst().orElseThrow();
    assertTrue(sponsor.getStale());
    assertFalse(sponsor.getMissing());
    assertEquals(120, sponsor.getAgeDays(), 1e-6);
    assertEquals("executive sponsor is stale: 120 days old, limit 90; left out", sponsor.getSentence());
    assertTrue(ScoreExplainer.summary(h).contains("Stale: executive sponsor."));
  }

  @Test
  void otherValuesAreSaidWithTheirPoints() {
    CompiledScorecard sc = compiled(linear("logins", "logins.count_30d", 0, 40).setName("Logins in 30 days"));
    HealthScore h = ScoreExplainer.explain(sc, sc.score(account(Map.of("logins.count_30d", 30.0)), ctx(), Band.BAND_UNSPECIFIED), null).build();
    assertEquals("+2.3: logins in 30 days at 30 (7.5/10)", h.getDrivers(0).getSentence());
  }

  /** The formatting without a Formatter per call writes exactly what String.format wrote. */
  @Test
  void numbersAreWrittenAsStringFormatWritesThem() {
    Random r = new Random(7);
    List<Double> values = new ArrayList<>(List.of(
        0.0, -0.0, 0.05, -0.05, 0.049999, 0.15, 0.25, 0.35, -0.15, -0.25, 1.005, 2.675, 99.995, 99.994, 100.0,
        100.5, 101.5, -100.5, 0.125, 0.375, 1e-7, -1e-7, 1e7, 123456789.5, 5.5, 9.95, -9.95, 0.995, -0.005,
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
    for (int i = 0; i < 200_000; i++) {
      double v = switch (i % 4) {
        case 0 -> (r.nextDouble() - 0.5) * 20; // impacts and points
        case 1 -> r.nextDouble(); // shares
        case 2 -> (r.nextDouble() - 0.5) * 2000; // raw values
        default -> Math.round(r.nextDouble() * 100_000) / 1000.0 + (r.nextBoolean() ? 0.0005 : 0); // ties
      };
      values.add(v);
      values.add((float) v + 0.0); // raw values come from floats
    }
    for (double v : values) {
      assertEquals(String.format(Locale.ROOT, "%.1f", v), ScoreExplainer.fixed(v, 1), "fixed1 " + v);
      assertEquals(referenceNumber(v), ScoreExplainer.number(v), "number " + v);
      assertEquals(String.format(Locale.ROOT, "%.0f%%", v * 100), ScoreExplainer.percent(v), "percent " + v);
      if (!Double.isNaN(v)) {
        String signed = Math.abs(v) < 0.05 ? "0.0" : String.format(Locale.ROOT, "%+.1f", v);
        assertEquals(signed, ScoreExplainer.signed(v), "signed " + v);
      }
    }
  }

  private static String referenceNumber(double v) {
    String s = String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : "%.2f", v);
    if (s.contains(".")) {
      s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    return s.equals("-0") ? "0" : s;
  }

  @Test
  void agesReadInWholeDaysFromOneDayOn() {
    assertEquals("45 days", ScoreExplainer.days(44.71));
    assertEquals("1 day", ScoreExplainer.days(1.2));
    assertEquals("0.4 days", ScoreExplainer.days(0.42));
  }

  @Test
  void missingDataCountedByAFixedPolicyIsNeverATopReason() {
    CompiledScorecard sc =
        compiled(
            linear("logins", "logins.count_30d", 0, 40).setName("Logins in 30 days"),
            measure("failed", "billing.payment_failed.count_90d").setName("Failed payments")
                .setDirection(io.healthscore.v1.Direction.DIRECTION_LOWER_IS_BETTER)
                .setMissingPolicy(io.healthscore.v1.MissingPolicy.MISSING_POLICY_FIXED).setMissingPoints(10)
                .setWeight(3).setThresholds(thresholds(0, 1, 5, 0, 10)));
    HealthScore h =
        ScoreExplainer.explain(sc, sc.score(account(Map.of("logins.count_30d", 20.0)), ctx(), Band.BAND_UNSPECIFIED), null).build();
    // Counted at 10 points, it lifts the score more than logins do, yet comes last.
    Driver failed = h.getDrivers(1);
    assertEquals("failed", failed.getMeasureId());
    assertTrue(failed.getMissing());
    assertTrue(failed.getImpact() > h.getDrivers(0).getImpact(), h.toString());
    assertEquals("failed payments has no data; counted as 10/10 (+3.4)", failed.getSentence());
    String summary = ScoreExplainer.summary(h);
    assertFalse(summary.contains("Holding it up: failed"), summary);
    assertTrue(summary.contains("Missing: failed payments."), summary);
  }

  @Test
  void aRedScoreLeadsWithWhatPullsItDownAGreenOneWithWhatHoldsItUp() {
    CompiledScorecard sc =
        compiled(
            linear("big", "fa", 0, 10).setWeight(4),
            linear("small", "fb", 0, 10).setWeight(1));
    // big at 10 points (+1.8), small at 0 (-0.9): green, led by what holds it up.
    HealthScore green = ScoreExplainer.explain(sc, sc.score(account(Map.of("fa", 10.0, "fb", 0.0)), ctx(), Band.BAND_UNSPECIFIED), null).build();
    assertEquals(Band.BAND_GREEN, green.getBand());
    assertEquals(List.of("big", "small"), green.getDriversList().stream().map(Driver::getMeasureId).toList());
    // big at 0 (-1.8)... and a red score with a positive driver: the negative one leads although smaller.
    CompiledScorecard sc2 =
        compiled(
            linear("up", "fa", 0, 10).setWeight(1),
            linear("down", "fb", 0, 10).setWeight(4));
    HealthScore red = ScoreExplainer.explain(sc2, sc2.score(account(Map.of("fa", 10.0, "fb", 0.0)), ctx(), Band.BAND_UNSPECIFIED), null).build();
    assertEquals(Band.BAND_RED, red.getBand(), "score " + red.getScore());
    assertEquals(List.of("down", "up"), red.getDriversList().stream().map(Driver::getMeasureId).toList());
    HealthScore redWithLift =
        ScoreExplainer.explain(sc, sc.score(account(Map.of("fa", 1.0, "fb", 10.0)), ctx(), Band.BAND_UNSPECIFIED), null).build();
    assertEquals(Band.BAND_RED, redWithLift.getBand(), "score " + redWithLift.getScore());
    // big: 1 point (-2.9), small: 10 points (+0.9): the larger negative first anyway.
    assertEquals("big", redWithLift.getDrivers(0).getMeasureId());
  }
}
