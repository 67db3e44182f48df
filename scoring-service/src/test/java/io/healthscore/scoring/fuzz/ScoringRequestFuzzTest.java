package io.healthscore.scoring.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.healthscore.runtime.testing.fuzz.ServiceFuzzer;
import io.healthscore.scoring.support.ScoringHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzzing of every ScoringService method (`-Pfuzz` with `JAZZER_FUZZ=1`, see
 * docs/reliability.md): no server fault, no hang, nothing stored by a refused request.
 */
@Tag("fuzz")
class ScoringRequestFuzzTest {
  @TempDir static Path dir;
  private static ScoringHarness harness;
  private static ServiceFuzzer fuzzer;

  @BeforeAll
  static void start() {
    harness = new ScoringHarness(dir.resolve("scoring")).start();
    fuzzer = ScoringFuzzing.fuzzer(harness);
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
