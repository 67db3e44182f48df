package io.healthscore.scoring.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.function.Supplier;

/**
 * The serving cache: a bounded Caffeine cache of computed scores keyed by account and scorecard.
 * A read that misses goes to the score store (and computes when the store has nothing), so the
 * bound only limits memory, never correctness. Metrics: cache_size, cache_gets (hit/miss),
 * cache_evictions with cache="scores", and healthscore_score_recompute_seconds.
 */
public final class ScoreCache {
  private final Cache<ScoreKey, CachedScore> cache;
  private final Timer recompute;

  public ScoreCache(long maximumSize, MeterRegistry registry) {
    this.cache = Caffeine.newBuilder().maximumSize(maximumSize).recordStats().build();
    CaffeineCacheMetrics.monitor(registry, cache, "scores");
    this.recompute =
        Timer.builder("healthscore.score.recompute")
            .description("Time to recompute a batch of accounts' scores after their signals changed")
            .publishPercentileHistogram()
            .register(registry);
  }

  /** The cached score, or null. Counts a hit or a miss. */
  public CachedScore get(ScoreKey key) {
    return cache.getIfPresent(key);
  }

  public void put(CachedScore score) {
    cache.put(score.key(), score);
  }

  /** Drops a score that no longer applies. */
  public void invalidate(ScoreKey key) {
    cache.invalidate(key);
  }

  /** Runs and times a recomputation. */
  public <T> T timeRecompute(Supplier<T> work) {
    return recompute.record(work);
  }
}
