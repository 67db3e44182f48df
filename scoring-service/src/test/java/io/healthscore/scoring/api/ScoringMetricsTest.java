package io.healthscore.scoring.api;

import static io.healthscore.scoring.support.MetricsText.sample;
import static io.healthscore.scoring.support.MetricsText.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.MetricsText;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.GetScoreRequest;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operational metrics, read the way Prometheus reads them: GET /metrics on the metrics port. */
class ScoringMetricsTest {
  @TempDir Path dir;
  ScoringHarness h;

  @BeforeEach
  void start() {
    // A cache of two scores, so that five accounts evict some.
    h = new ScoringHarness(dir.resolve("data"), Map.of("HEALTHSCORE_SCORE_CACHE_SIZE", "2"))
        .withScorecard(TestScorecards.logins("logins"))
        .start();
  }

  @AfterEach
  void stop() {
    h.close();
  }

  String scrape() {
    return MetricsText.scrape(h.server().metricsPort());
  }

  @Test
  void cacheRecomputePublishingAndFeedLagAreExported() {
    for (int i = 1; i <= 5; i++) {
      h.signals.setFeatures("a" + i, Map.of(TestScorecards.FEATURE, 10.0 * i));
      h.signals.putAccount(FakeSignalService.account("a" + i, "smb", 100));
    }
    h.awaitFeedCaughtUp();
    for (int i = 0; i < 3; i++) {
      h.stub().getScore(GetScoreRequest.newBuilder().setAccountId("a5").build());
    }
    Await.until("an eviction", () -> sample(scrape(), "cache_evictions_total", "cache=\"scores\"").orElse(0) > 0);

    String text = scrape();
    double size = value(text, "cache_size", "cache=\"scores\"");
    assertTrue(size >= 1 && size <= 2, "cache_size " + size);
    assertTrue(value(text, "cache_gets_total", "cache=\"scores\"", "result=\"hit\"") >= 2);
    assertTrue(value(text, "cache_gets_total", "cache=\"scores\"", "result=\"miss\"") >= 5);
    assertTrue(value(text, "healthscore_score_recompute_seconds_count") >= 1);
    // SLO buckets, not Micrometer's default spread.
    assertTrue(sample(text, "healthscore_score_recompute_seconds_bucket", "le=\"0.1\"").isPresent(), text);
    assertTrue(sample(text, "healthscore_score_recompute_seconds_bucket", "le=\"1.0\"").isPresent());
    assertEquals(13, text.lines().filter(l -> l.startsWith("healthscore_score_recompute_seconds_bucket")).count());
    // Five first scores, each a material change.
    assertEquals(5, value(text, "healthscore_score_changes_published_total"));
    assertEquals(h.signals.lastCursor(), value(text, "healthscore_feed_cursor"));
    assertEquals(0, value(text, "healthscore_feed_cursor_lag"));
    assertEquals(0, value(text, "healthscore_feed_lag_seconds"));
    assertTrue(sample(text, "healthscore_feed_changes_applied_total").isPresent());
    assertTrue(sample(text, "healthscore_feed_reconnects_total").isPresent());
  }

  @Test
  void feedLagShowsWhileChangesWaitToBeApplied() {
    h.signals.putAccount(FakeSignalService.account("a1", "smb", 100));
    h.awaitFeedCaughtUp();
    CountDownLatch gate = new CountDownLatch(1);
    h.signals.featureGate = gate; // the next batch waits for its features
    try {
      h.signals.setFeatures("a1", Map.of(TestScorecards.FEATURE, 80.0));
      h.signals.setFeatures("a1", Map.of(TestScorecards.FEATURE, 90.0));
      Await.until("lag", () -> sample(scrape(), "healthscore_feed_cursor_lag").orElse(0) >= 1);
      Await.until("lag in seconds", () -> sample(scrape(), "healthscore_feed_lag_seconds").orElse(0) > 0);
    } finally {
      gate.countDown();
      h.signals.featureGate = null;
    }
    h.awaitFeedCaughtUp();
    Await.until("caught up", () -> sample(scrape(), "healthscore_feed_cursor_lag").orElse(-1) == 0);
    assertEquals(0, value(scrape(), "healthscore_feed_lag_seconds"));
    assertEquals(9.1, h.stub().getScore(GetScoreRequest.newBuilder().setAccountId("a1").build()).getScore().getScore(), 1e-6);
  }
}
