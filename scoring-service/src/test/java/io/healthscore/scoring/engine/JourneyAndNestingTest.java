package io.healthscore.scoring.engine;

import static io.healthscore.scoring.testing.TestCards.account;
import static io.healthscore.scoring.testing.TestCards.card;
import static io.healthscore.scoring.testing.TestCards.component;
import static io.healthscore.scoring.testing.TestCards.compiled;
import static io.healthscore.scoring.testing.TestCards.ctx;
import static io.healthscore.scoring.testing.TestCards.linear;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.v1.Band;
import io.healthscore.v1.ComponentScore;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.JourneyMapping;
import io.healthscore.v1.Measure;
import io.healthscore.v1.Milestone;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JourneyAndNestingTest {
  private static final double EPS = 1e-4;

  private static final Measure.Builder JOURNEY =
      Measure.newBuilder()
          .setMeasureId("journey")
          .setWeight(1)
          .setJourney(
              JourneyMapping.newBuilder()
                  .addMilestones(Milestone.newBuilder().setMilestoneId("kickoff").setMetric("milestone.kickoff").setDueDay(14))
                  .addMilestones(Milestone.newBuilder().setMilestoneId("live").setMetric("milestone.live").setDueDay(45))
                  .addMilestones(Milestone.newBuilder().setMilestoneId("value").setMetric("milestone.value").setDueDay(90)));

  private static double journeyPoints(Map<String, Double> f) {
    return journeyPoints(f, ctx());
  }

  private static double journeyPoints(Map<String, Double> f, ScoringContext ctx) {
    CompiledScorecard sc = compiled(JOURNEY.clone());
    return sc.evaluate(sc.score(account(f), ctx, Band.BAND_UNSPECIFIED)).points()[0];
  }

  private static ScoringContext portfolioSending(Set<String> metrics) {
    return new ScoringContext(ctx().nowMillis(), ctx().distributions(), metrics::contains);
  }

  @Test
  void milestonesReachedOnTimeOverMilestonesDue() {
    Map<String, Double> f = new HashMap<>();
    f.put("account.tenure_days", 60.0);
    // Kickoff reached on day 10 (60 - 50): on time. Live reached on day 45 exactly: on time.
    f.put("milestone.kickoff.days_since_first", 50.0);
    f.put("milestone.live.days_since_first", 15.0);
    assertEquals(10, journeyPoints(f), EPS);
    // Live reached on day 50: late. One of two due on time.
    f.put("milestone.live.days_since_first", 10.0);
    assertEquals(5, journeyPoints(f), EPS);
    // Live never reached: still one of two.
    f.remove("milestone.live.days_since_first");
    assertEquals(5, journeyPoints(f), EPS);
    // A milestone reached early but not yet due does not count.
    f.put("milestone.value.days_since_first", 5.0);
    assertEquals(5, journeyPoints(f), EPS);
  }

  @Test
  void nothingDueYetOrNoTenureIsMissing() {
    assertTrue(Double.isNaN(journeyPoints(Map.of("account.tenure_days", 13.0))));
    assertTrue(Double.isNaN(journeyPoints(Map.of("milestone.kickoff.days_since_first", 1.0))));
  }

  @Test
  void aJourneyWithoutAnyMilestoneSignalIsNoDataButOneReachedMakesMissedOnesCount() {
    // The producer sends no milestones: no data, not a failed journey.
    assertTrue(Double.isNaN(journeyPoints(Map.of("account.tenure_days", 100.0))));
    // The milestone due on day 90 was reached (late); the two earlier ones were missed.
    Map<String, Double> f = Map.of("account.tenure_days", 100.0, "milestone.value.days_since_first", 2.0);
    assertEquals(0, journeyPoints(f), EPS);
  }

  @Test
  void milestonesNoAccountOfThePortfolioHasEverSentAreLeftOutNotMissed() {
    // Kickoff and live reached on time; the day-90 milestone is due too.
    Map<String, Double> f = Map.of("account.tenure_days", 100.0, "milestone.kickoff.days_since_first", 95.0,
        "milestone.live.days_since_first", 60.0);
    // Without knowing what the portfolio sends, the unreached one counts as missed: two of three.
    assertEquals(10 * 2 / 3.0, journeyPoints(f), EPS);
    // Nobody has ever sent milestone.value: it is not a milestone this producer tracks.
    assertEquals(10, journeyPoints(f, portfolioSending(Set.of("milestone.kickoff", "milestone.live"))), EPS);
    // Someone has: this account missed it.
    assertEquals(10 * 2 / 3.0,
        journeyPoints(f, portfolioSending(Set.of("milestone.kickoff", "milestone.live", "milestone.value"))), EPS);
    // No account has ever sent any milestone: no data for every account, whatever it sent.
    assertTrue(Double.isNaN(journeyPoints(f, portfolioSending(Set.of()))));
  }

  @Test
  void metricsReadByMeasureNameTheProducerMetricsNotTheAccountRecord() {
    CompiledScorecard sc = CompiledScorecard.compile(card(component("c", 1,
        JOURNEY.clone(), linear("per_seat", "logins.sum_30d", 0, 10).setDenominatorFeature("account.licenses"))));
    assertEquals(Map.of("journey", Set.of("milestone.kickoff", "milestone.live", "milestone.value"), "per_seat", Set.of("logins")),
        sc.metricsReadByMeasure());
    assertEquals(Set.of("milestone.kickoff", "milestone.live", "milestone.value"), sc.milestoneMetrics());
  }

  @Test
  void nestedComponentsAverageByWeightAndRedistributeUpwards() {
    // top: usage (weight 3: a) and support (weight 1: nested "tickets" (b) and "csat" (c)).
    var nested =
        component("support", 1)
            .addComponents(component("tickets", 1, linear("b", "fb", 0, 10)))
            .addComponents(component("csat", 3, linear("c", "fc", 0, 10)));
    CompiledScorecard sc = CompiledScorecard.compile(card(component("usage", 3, linear("a", "fa", 0, 10)), nested));
    assertEquals(0.75, sc.nominalShare(0), EPS);
    assertEquals(0.0625, sc.nominalShare(1), EPS);
    assertEquals(0.1875, sc.nominalShare(2), EPS);

    ComputedScore s = sc.score(account(Map.of("fa", 8.0, "fb", 0.0, "fc", 4.0)), ctx(), Band.BAND_UNSPECIFIED);
    double support = (0 * 1 + 4 * 3) / 4.0;
    assertEquals(1 + 0.9 * (8 * 0.75 + support * 0.25), s.score(), EPS);

    // Without fb and fc the whole support branch is left out and usage carries everything.
    ComputedScore onlyUsage = sc.score(account(Map.of("fa", 8.0)), ctx(), Band.BAND_UNSPECIFIED);
    assertEquals(1 + 0.9 * 8, onlyUsage.score(), EPS);
    assertEquals(0.75, onlyUsage.coverage(), EPS);

    HealthScore h = ScoreExplainer.explain(sc, s, null).build();
    assertEquals(2, h.getComponentsCount());
    ComponentScore supportScore = h.getComponents(1);
    assertEquals("support", supportScore.getComponentId());
    assertEquals(support, supportScore.getPoints(), EPS);
    assertEquals(0.25, supportScore.getEffectiveWeight(), EPS);
    assertEquals(2, supportScore.getChildrenCount());
    assertEquals(0.75, supportScore.getChildren(1).getEffectiveWeight(), EPS);

    HealthScore partial = ScoreExplainer.explain(sc, sc.score(account(Map.of("fa", 8.0, "fc", 4.0)), ctx(), Band.BAND_UNSPECIFIED), null).build();
    ComponentScore partialSupport = partial.getComponents(1);
    assertEquals(0.75, partialSupport.getCoverage(), EPS);
    assertTrue(!partialSupport.getChildren(0).hasPoints());
    assertEquals(1.0, partialSupport.getChildren(1).getEffectiveWeight(), EPS);
  }
}
