package io.healthscore.alerting.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.v1.Rule;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FeatureNeedsTest {
  private static FeatureNeeds of(String... yamls) {
    return FeatureNeeds.of(java.util.Arrays.stream(yamls).map(y -> RuleYaml.parse(y).get(0)).toList());
  }

  @Test
  void scoreRulesReadNoFeatures() {
    assertFalse(of("rule_id: red\ncondition: {band_transition: {to: [BAND_RED]}}\n").needed());
  }

  @Test
  void signalRulesReadOnlyTheFeaturesAndLabelsTheyJudge() {
    FeatureNeeds needs = of(
        "rule_id: pay\ncondition: {signal: {kind: SIGNAL_CONDITION_KIND_PAYMENT_FAILED, days: 3}}\n",
        """
        rule_id: mixed
        condition:
          any_of:
            conditions:
              - signal: {kind: SIGNAL_CONDITION_KIND_NPS_DETRACTOR}
              - all_of: {conditions: [{signal: {kind: SIGNAL_CONDITION_KIND_CHAMPION_LOST, metric: crm.champion}}]}
              - signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, metric: logins, days: 14}
        """,
        "rule_id: off\ndisabled: true\ncondition: {signal: {kind: SIGNAL_CONDITION_KIND_PAYMENT_LATE}}\n");
    assertTrue(needs.needed());
    assertEquals(List.of("billing.payment_failed.days_since_last", "logins.days_since_last", "survey.nps.last"),
        needs.projection().getNamesList());
    assertEquals(List.of("crm.champion", "survey.nps"), needs.projection().getLabelsList());
  }

  @Test
  void noActivityOfAnyMetricReadsEverything() {
    FeatureNeeds needs = of("rule_id: quiet\ncondition: {signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, days: 21}}\n");
    assertTrue(needs.needed());
    assertEquals(Optional.empty(), needs.readProjection());
  }
}
