package io.healthscore.signals.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.signals.TestSignalsServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixed corpus of hostile requests (MalformedRequests) against every SignalService method. */
class SignalsMalformedRequestsTest {
  @TempDir Path dir;

  @Test
  void everyMethodRefusesHostileRequestsCleanly() {
    try (TestSignalsServer signals = TestSignalsServer.start(dir.resolve("signals"))) {
      assertTrue(SignalsFuzzing.fuzzer(signals).runCorpus() > 500);
    }
  }
}
