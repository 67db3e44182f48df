package io.healthscore.alerting.rule;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.v1.Rule;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RuleValidatorTest {
  private final RuleValidator validator = new RuleValidator(Set.of("ops", "cs")::contains);

  private static final String VALID = """
      rule_id: red
      severity: SEVERITY_CRITICAL
      condition: {band_transition: {to: [BAND_RED]}}
      playbook:
        - notify: {channel_id: ops}
        - create_task: {title: Call them, due_in_days: 2}
        - escalate: {channel_id: cs, after_hours: 4}
      """;

  private List<FieldViolation> violations(String yaml) {
    Rule rule = RuleYaml.parse(yaml).get(0);
    return assertThrows(InvalidArgumentException.class, () -> validator.check(rule, "rule")).violations();
  }

  private void assertOnly(String yaml, String field, String description) {
    assertEquals(List.of(new FieldViolation(field, description)), violations(yaml));
  }

  @Test
  void validRulePasses() {
    assertDoesNotThrow(() -> validator.check(RuleYaml.parse(VALID).get(0), "rule"));
  }

  @Test
  void ruleId() {
    assertOnly(VALID.replace("rule_id: red", "rule_id: Red Rule"), "rule.rule_id", "must be 1 to 64 characters of [a-z0-9_-]");
  }

  @Test
  void missingCondition() {
    assertOnly("rule_id: r\n", "rule.condition", "is required");
  }

  @Test
  void conditionWithoutKind() {
    assertOnly("rule_id: r\ncondition: {}\n", "rule.condition", "must set exactly one kind of condition");
  }

  @Test
  void bandTransitionNeedsTargetBands() {
    assertOnly("rule_id: r\ncondition: {band_transition: {from: [BAND_GREEN]}}", "rule.condition.band_transition.to",
        "needs at least one band");
    assertOnly("rule_id: r\ncondition: {band_transition: {to: [BAND_UNSPECIFIED]}}",
        "rule.condition.band_transition.to[0]", "must be RED, YELLOW or GREEN");
  }

  @Test
  void scoreDropInsideAllOf() {
    assertOnly("rule_id: r\ncondition: {all_of: {conditions: [{band_transition: {to: [BAND_RED]}}, "
            + "{score_drop: {points: 1, within_days: 400}}]}}",
        "rule.condition.all_of.conditions[1].score_drop.within_days", "must be between 1 and 365");
    assertOnly("rule_id: r\ncondition: {score_drop: {within_days: 7}}", "rule.condition.score_drop.points",
        "must be above 0 and at most 9");
  }

  @Test
  void thresholdRange() {
    assertOnly("rule_id: r\ncondition: {threshold: {threshold: 11}}", "rule.condition.threshold.threshold",
        "must be between 1 and 10");
    assertOnly("rule_id: r\ncondition: {threshold: {threshold: 4, hysteresis: -1}}",
        "rule.condition.threshold.hysteresis", "must be between 0 and 9");
  }

  @Test
  void negativeTrendWindow() {
    assertOnly("rule_id: r\ncondition: {negative_trend: {window_days: 45, min_drop: 1}}",
        "rule.condition.negative_trend.window_days", "must be 30, 60 or 90");
  }

  @Test
  void renewalRiskDays() {
    assertOnly("rule_id: r\ncondition: {renewal_risk: {within_days: 0}}", "rule.condition.renewal_risk.within_days",
        "must be between 1 and 730");
  }

  @Test
  void signalKindAndMetric() {
    assertOnly("rule_id: r\ncondition: {signal: {days: 3}}", "rule.condition.signal.kind", "must name a signal condition");
    assertOnly("rule_id: r\ncondition: {signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, metric: 'Log ins'}}",
        "rule.condition.signal.metric", "must be 1 to 128 characters of [a-z0-9_.]");
  }

  @Test
  void emptyAnyOf() {
    assertOnly("rule_id: r\ncondition: {any_of: {}}", "rule.condition.any_of.conditions", "needs at least one condition");
  }

  @Test
  void tooDeep() {
    String condition = "{band_transition: {to: [BAND_RED]}}";
    for (int i = 0; i < RuleValidator.MAX_DEPTH; i++) {
      condition = "{any_of: {conditions: [" + condition + "]}}";
    }
    List<FieldViolation> v = violations("rule_id: r\ncondition: " + condition);
    assertEquals(1, v.size());
    assertEquals("nests deeper than 8 levels", v.get(0).description());
  }

  @Test
  void scope() {
    assertOnly("rule_id: r\ncondition: {band_transition: {to: [BAND_RED]}}\nscope: {min_mrr: -1}", "rule.scope.min_mrr",
        "must be 0 or more");
    assertOnly("rule_id: r\ncondition: {band_transition: {to: [BAND_RED]}}\nscope: {scorecard_ids: ['A B']}",
        "rule.scope.scorecard_ids[0]", "must be 1 to 64 characters of [a-z0-9_-]");
  }

  @Test
  void cooldown() {
    assertOnly("rule_id: r\ncondition: {band_transition: {to: [BAND_RED]}}\ncooldown_hours: -2", "rule.cooldown_hours",
        "must be between 0 and 8760");
  }

  @Test
  void playbookSteps() {
    String base = "rule_id: r\ncondition: {band_transition: {to: [BAND_RED]}}\nplaybook:\n";
    assertOnly(base + "  - notify: {channel_id: pager}", "rule.playbook[0].notify.channel_id", "names no known channel");
    assertOnly(base + "  - create_task: {due_in_days: 1}", "rule.playbook[0].create_task.title", "is required");
    assertOnly(base + "  - escalate: {channel_id: ops}", "rule.playbook[0].escalate.after_hours",
        "must be above 0 and at most 8760");
    assertOnly(base + "  - {}", "rule.playbook[0]", "must set exactly one action");
  }

  @Test
  void everyProblemIsReportedTogether() {
    List<FieldViolation> v = violations("""
        rule_id: BAD ID
        cooldown_hours: -1
        condition:
          all_of:
            conditions:
              - score_drop: {points: 0, within_days: 0}
              - signal: {}
        playbook:
          - notify: {channel_id: nowhere}
        """);
    assertEquals(List.of(
        "rule.rule_id",
        "rule.cooldown_hours",
        "rule.condition.all_of.conditions[0].score_drop.points",
        "rule.condition.all_of.conditions[0].score_drop.within_days",
        "rule.condition.all_of.conditions[1].signal.kind",
        "rule.playbook[0].notify.channel_id"), v.stream().map(FieldViolation::field).toList());
  }
}
