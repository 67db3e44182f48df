package io.healthscore.alerting.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.alerting.fakes.AlertingHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixed corpus of hostile requests (MalformedRequests) against every AlertingService method. */
class AlertingMalformedRequestsTest {
  @TempDir Path dir;

  @Test
  void everyMethodRefusesHostileRequestsCleanly() {
    try (AlertingHarness harness = AlertingHarness.start(dir.resolve("alerting"))) {
      assertTrue(AlertingFuzzing.fuzzer(harness).runCorpus() > 500);
    }
  }
}
