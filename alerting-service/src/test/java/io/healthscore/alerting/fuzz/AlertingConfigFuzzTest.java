package io.healthscore.alerting.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.healthscore.runtime.testing.fuzz.MalformedDocuments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing of rule YAML (`-Pfuzz` with `JAZZER_FUZZ=1`, see docs/reliability.md):
 * the shipped rules with fuzzer-chosen text spliced in are loaded or refused with a reason.
 */
@Tag("fuzz")
class AlertingConfigFuzzTest {
  private static final List<String> SEEDS = shippedRules();

  @FuzzTest(maxDuration = "15s")
  void fuzz(FuzzedDataProvider data) {
    AlertingConfigMalformedTest.checkRules("fuzzed rule", MalformedDocuments.spliced(data, SEEDS));
  }

  private static List<String> shippedRules() {
    try {
      return AlertingConfigMalformedTest.shippedRules().map(AlertingConfigFuzzTest::read).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
