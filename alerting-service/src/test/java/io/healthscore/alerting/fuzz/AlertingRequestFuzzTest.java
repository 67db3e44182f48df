package io.healthscore.alerting.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.healthscore.alerting.fakes.AlertingHarness;
import io.healthscore.runtime.testing.fuzz.ServiceFuzzer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzzing of every AlertingService method (`-Pfuzz` with `JAZZER_FUZZ=1`, see
 * docs/reliability.md): no server fault, no hang, nothing stored by a refused request.
 */
@Tag("fuzz")
class AlertingRequestFuzzTest {
  @TempDir static Path dir;
  private static AlertingHarness harness;
  private static ServiceFuzzer fuzzer;

  @BeforeAll
  static void start() {
    harness = AlertingHarness.start(dir.resolve("alerting"));
    fuzzer = AlertingFuzzing.fuzzer(harness);
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  @FuzzTest(maxDuration = "30s")
  void fuzz(FuzzedDataProvider data) {
    fuzzer.fuzzOne(data);
  }
}
