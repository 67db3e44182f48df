package io.healthscore.scoring.scoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What scoring does, for Prometheus: {@code healthscore_score_recompute_seconds}, a histogram of
 * batch recomputes with buckets at the latencies an SLO would name (5 ms to 30 s) rather than
 * Micrometer's ~70 default ones, and {@code healthscore_score_changes_published_total}, the
 * material changes committed to the WatchScores log.
 */
public final class ScoreMetrics {
  private static final Duration[] RECOMPUTE_BUCKETS = {
    Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
    Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)
  };

  private final Timer recompute;
  private final Counter changesPublished;

  public ScoreMetrics(MeterRegistry registry) {
    this.recompute =
        Timer.builder("healthscore.score.recompute")
            .description("Time to recompute a batch of accounts' scores and commit their changes")
            .serviceLevelObjectives(RECOMPUTE_BUCKETS)
            .register(registry);
    this.changesPublished =
        Counter.builder("healthscore.score.changes.published")
            .description("Material score changes committed and published on WatchScores")
            .register(registry);
  }

  /** Runs and times a recomputation. */
  <T> T timeRecompute(Supplier<T> work) {
    return recompute.record(work);
  }

  /** Counts material changes once they are committed. */
  void published(int changes) {
    changesPublished.increment(changes);
  }
}
