package io.healthscore.scoring.scorecard;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.healthscore.runtime.testing.fuzz.MalformedDocuments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing of scorecard YAML (`-Pfuzz` with `JAZZER_FUZZ=1`, see
 * docs/reliability.md): the templates with fuzzer-chosen text spliced in are parsed and validated,
 * or refused with reasons.
 */
@Tag("fuzz")
class ScorecardYamlFuzzTest {
  private static final List<String> SEEDS = ScorecardTemplates.NAMES.stream().map(ScorecardYamlFuzzTest::text).toList();

  @FuzzTest(maxDuration = "15s")
  void fuzz(FuzzedDataProvider data) {
    ScorecardYamlMalformedTest.check("fuzzed scorecard", MalformedDocuments.spliced(data, SEEDS));
  }

  private static String text(String template) {
    try {
      return ScorecardYamlMalformedTest.text(template);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
