package io.healthscore.scoring.scorecard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.runtime.testing.fuzz.MalformedDocuments;
import io.healthscore.v1.Scorecard;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile variants of every shipped template: each is either a valid scorecard or refused with
 * violations that explain themselves, never another exception.
 */
class ScorecardYamlMalformedTest {
  static Stream<String> templates() {
    return ScorecardTemplates.NAMES.stream();
  }

  @ParameterizedTest
  @MethodSource("templates")
  void everyHostileVariantIsParsedOrRefusedWithReasons(String template) throws IOException {
    for (MalformedDocuments.Case c : MalformedDocuments.of(text(template))) {
      check(template + ": " + c.name(), c.text());
    }
  }

  /** What PutScorecard's YAML path and the command line's validate do with a document. */
  static void check(String name, String yaml) {
    try {
      Scorecard sc = ScorecardYaml.parse(yaml, "fuzz.yaml");
      List<FieldViolation> violations = ScorecardValidator.validate(sc, null);
      violations.forEach(v -> assertFalse(v.description().isBlank(), name + ": a violation without a reason"));
    } catch (InvalidArgumentException refused) {
      assertFalse(refused.violations().isEmpty(), name + ": refused without violations");
      for (FieldViolation v : refused.violations()) {
        assertFalse(v.description().isBlank(), name + ": a violation without a reason");
      }
    } catch (RuntimeException | StackOverflowError e) {
      fail(name + ": " + e, e);
    }
  }

  static String text(String template) throws IOException {
    String resource = "scorecards/templates/" + template + ".yaml";
    try (InputStream in = ScorecardYamlMalformedTest.class.getClassLoader().getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
