package io.healthscore.scoring.scorecard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.scoring.engine.ScoreExplainer;
import io.healthscore.scoring.testing.TestCards;
import io.healthscore.v1.Band;
import io.healthscore.v1.Driver;
import io.healthscore.v1.HealthScore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shipped template against a healthy account and the same account in its worst week: payments
 * failing while champion and executive sponsor leave. That combination is what precedes churn, so
 * it must take the account out of green, and its explanation must say so first.
 */
class TemplateDangerTest {
  private static final double TENURE = 400;

  private static Map<String, Double> healthyFeatures() {
    Map<String, Double> f = new HashMap<>();
    f.put("account.license_utilization", 0.85);
    f.put("account.licenses", 50.0);
    f.put("account.mrr", 2000.0);
    f.put("account.mrr_change_90d", 0.0);
    f.put("account.tenure_days", TENURE);
    f.put("active_users.trend_30d", 0.04);
    f.put("active_users.mean_7d", 38.0);
    f.put("features.active.mean_30d", 5.0);
    f.put("features.available.last", 8.0);
    f.put("workflows.completed.sum_30d", 40.0);
    f.put("workflows.started.sum_30d", 45.0);
    f.put("logins.days_since_last", 0.5);
    f.put("logins.count_30d", 450.0);
    f.put("logins.trend_30d", 0.02);
    f.put("billing.payment_failed.count_90d", 0.0);
    f.put("support.sla_met.mean_90d", 0.95);
    f.put("support.tickets_reopened.count_90d", 0.0);
    f.put("support.tickets_resolved.count_90d", 6.0);
    f.put("training.attended.count_90d", 2.0);
    f.put("meetings.held.count_90d", 3.0);
    f.put("meetings.planned.count_90d", 3.0);
    f.put("survey.nps.last", 9.0);
    f.put("survey.csat.mean_90d", 4.5);
    f.put("csm.strategic_alignment.last", 4.0);
    f.put("csm.relationship.last", 4.0);
    f.put("feature.reports.used.count_30d", 12.0);
    f.put("roi.value_realized.last", 90.0);
    f.put("roi.value_planned.last", 100.0);
    for (String m : List.of("csm.executive_sponsor", "csm.champion", "csm.painkiller", "csm.outcome_achieved",
        "csm.strategic_alignment", "csm.relationship")) {
      f.put(m + ".days_since_last", 20.0);
    }
    f.put("success_plan.action_completed.count_90d", 4.0);
    f.put("qbr.held.days_since_last", 60.0);
    int[] reachedOnDay = {10, 40, 55, 80, 110};
    String[] milestones = {"kickoff_done", "integration_live", "first_value", "users_trained", "first_qbr"};
    for (int i = 0; i < milestones.length; i++) {
      f.put("milestone." + milestones[i] + ".days_since_first", TENURE - reachedOnDay[i]);
    }
    return f;
  }

  private static Map<String, String> healthyLabels() {
    return Map.of("csm.executive_sponsor", "yes", "csm.champion", "yes", "csm.painkiller", "yes",
        "csm.outcome_achieved", "yes");
  }

  private static HealthScore score(CompiledScorecard sc, Map<String, Double> f, Map<String, String> labels, Band previous) {
    AccountSnapshot a = TestCards.account("acme", "mid-market", f, labels);
    ComputedScore s = sc.score(a, TestCards.ctx(), previous);
    return ScoreExplainer.explain(sc, s, null).build();
  }

  /** Every shipped template, so that a new one is held to the same test. */
  static List<String> templates() {
    return ScorecardTemplates.NAMES;
  }

  @ParameterizedTest
  @MethodSource("templates")
  void failingPaymentsWithChampionAndSponsorLostLeaveGreen(String template) {
    CompiledScorecard sc = CompiledScorecard.compile(ScorecardTemplates.byId(template).orElseThrow().toBuilder().setVersion(1).build());
    HealthScore healthy = score(sc, healthyFeatures(), healthyLabels(), Band.BAND_UNSPECIFIED);
    assertEquals(Band.BAND_GREEN, healthy.getBand(), template + " healthy " + healthy.getScore());

    Map<String, Double> f = healthyFeatures();
    f.put("billing.payment_failed.count_90d", 3.0);
    Map<String, String> labels = new HashMap<>(healthyLabels());
    labels.put("csm.champion", "lost");
    labels.put("csm.executive_sponsor", "lost");
    HealthScore worst = score(sc, f, labels, Band.BAND_GREEN);
    assertNotEquals(Band.BAND_GREEN, worst.getBand(), template + " " + healthy.getScore() + " -> " + worst.getScore());
    List<String> top = worst.getDriversList().subList(0, 3).stream().map(Driver::getMeasureId).toList();
    assertTrue(top.containsAll(List.of("failed_payments", "champion", "executive_sponsor")), top.toString());
  }
}
