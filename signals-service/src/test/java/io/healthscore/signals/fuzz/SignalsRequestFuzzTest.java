package io.healthscore.signals.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.healthscore.runtime.testing.fuzz.ServiceFuzzer;
import io.healthscore.signals.TestSignalsServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzzing of every SignalService method (`-Pfuzz` with `JAZZER_FUZZ=1`, see
 * docs/reliability.md): no server fault, no hang, nothing stored by a refused request.
 */
@Tag("fuzz")
class SignalsRequestFuzzTest {
  @TempDir static Path dir;
  private static TestSignalsServer signals;
  private static ServiceFuzzer fuzzer;

  @BeforeAll
  static void start() {
    signals = TestSignalsServer.start(dir.resolve("signals"));
    fuzzer = SignalsFuzzing.fuzzer(signals);
  }

  @AfterAll
  static void stop() {
    signals.close();
  }

  @FuzzTest(maxDuration = "30s")
  void fuzz(FuzzedDataProvider data) {
    fuzzer.fuzzOne(data);
  }
}
