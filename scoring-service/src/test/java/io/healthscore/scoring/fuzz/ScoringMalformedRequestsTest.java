package io.healthscore.scoring.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.scoring.support.ScoringHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixed corpus of hostile requests (MalformedRequests) against every ScoringService method. */
class ScoringMalformedRequestsTest {
  @TempDir Path dir;

  @Test
  void everyMethodRefusesHostileRequestsCleanly() {
    try (ScoringHarness harness = new ScoringHarness(dir.resolve("scoring")).start()) {
      assertTrue(ScoringFuzzing.fuzzer(harness).runCorpus() > 500);
    }
  }
}
