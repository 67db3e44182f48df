package io.healthscore.scoring.feed;

import static io.healthscore.scoring.support.MetricsText.value;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.MetricsText;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.GetScoreRequest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signals-service slower than the deadline for a whole feed batch: the feed reads the batch in
 * smaller parts and goes on, instead of failing the batch and reading it again from the same
 * cursor forever.
 */
class SlowSignalsTest {
  @TempDir Path dir;

  @Test
  void aBatchTooSlowToReadWithinTheDeadlineIsReadInSmallerPartsAndApplied() {
    try (ScoringHarness h =
        new ScoringHarness(dir.resolve("data"), Map.of("HEALTHSCORE_SIGNALS_DEADLINE", "1s"))
            .withScorecard(TestScorecards.logins("logins"))) {
      h.signals.featureMillisPerAccount = 10; // a batch of 400 accounts in one call: 4 s
      for (int i = 0; i < 400; i++) {
        String id = String.format("acct-%03d", i);
        h.signals.setFeatures(id, Map.of(TestScorecards.FEATURE, (double) (i % 100)));
        h.signals.putAccount(FakeSignalService.account(id, "smb", 10));
      }
      h.start(); // after every change, so the feed's batches are large
      h.awaitFeedCaughtUp();

      for (int i = 0; i < 400; i += 37) {
        String id = String.format("acct-%03d", i);
        double score = h.stub().getScore(GetScoreRequest.newBuilder().setAccountId(id).build()).getScore().getScore();
        assertEquals(1 + 0.09 * (i % 100), score, 1e-5, id);
      }
      assertEquals(0, value(MetricsText.scrape(h.server().metricsPort()), "healthscore_feed_reconnects_total"),
          "no batch failed");
    }
  }
}
