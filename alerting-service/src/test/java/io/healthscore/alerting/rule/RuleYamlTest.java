package io.healthscore.alerting.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.error.Violations;
import io.healthscore.v1.Band;
import io.healthscore.v1.Rule;
import io.healthscore.v1.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleYamlTest {
  @Test
  void readsSnakeAndCamelCaseFieldsAndEnumNames() {
    Rule rule = RuleYaml.parse("""
        rule_id: red
        severity: SEVERITY_CRITICAL
        cooldownHours: 48
        condition:
          band_transition: {to: [BAND_RED]}
        """).get(0);
    assertEquals("red", rule.getRuleId());
    assertEquals(Severity.SEVERITY_CRITICAL, rule.getSeverity());
    assertEquals(48, rule.getCooldownHours());
    assertEquals(List.of(Band.BAND_RED), rule.getCondition().getBandTransition().getToList());
  }

  @Test
  void readsListsAndSeveralDocuments(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("rules"));
    Files.writeString(dir.resolve("rules/b.yaml"), "- rule_id: b1\n- rule_id: b2\n");
    Files.writeString(dir.resolve("rules/a.yml"), "rule_id: a1\n---\nrule_id: a2\n");
    Files.writeString(dir.resolve("rules/notes.txt"), "not a rule");
    assertEquals(List.of("a1", "a2", "b1", "b2"),
        RuleYaml.loadDirectory(dir).stream().map(Rule::getRuleId).toList());
  }

  @Test
  void namesTheFileAndProblem(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("rules"));
    Files.writeString(dir.resolve("rules/bad.yaml"), "rule_id: x\nconditon: {}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RuleYaml.loadDirectory(dir));
    assertTrue(e.getMessage().contains("bad.yaml"), e.getMessage());
    assertTrue(e.getMessage().contains("conditon"), e.getMessage());
  }

  @Test
  void noRulesFolderMeansNoRules(@TempDir Path dir) {
    assertEquals(List.of(), RuleYaml.loadDirectory(dir));
  }

  @Test
  void shippedExampleRulesAreValid() {
    List<Rule> rules = RuleYaml.loadDirectory(Path.of("..", "config"));
    assertTrue(rules.size() >= 4, "example rules found: " + rules.size());
    Violations v = new Violations();
    RuleValidator validator = new RuleValidator(id -> id.equals("log"));
    rules.forEach(r -> validator.validate(r, "rules[" + r.getRuleId() + "]", v));
    assertTrue(v.isEmpty(), () -> v.list().toString());
  }
}
