package io.healthscore.scoring.support;

import io.healthscore.v1.Scorecard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link ScoringHarness} per test, started with one scorecard on a fresh directory and closed
 * after the test: {@code @RegisterExtension final HarnessExtension scoring = new HarnessExtension(card);}.
 */
public final class HarnessExtension implements BeforeEachCallback, AfterEachCallback {
  private final Scorecard scorecard;
  private Path dir;
  private ScoringHarness harness;

  public HarnessExtension(Scorecard scorecard) {
    this.scorecard = scorecard;
  }

  /** The running harness of the current test. */
  public ScoringHarness harness() {
    return harness;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("scoring-test");
    harness = new ScoringHarness(dir.resolve("data")).withScorecard(scorecard).start();
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    harness.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
