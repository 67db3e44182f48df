package io.healthscore.scoring.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * The serving cache: a bounded Caffeine cache of computed scores keyed by account and scorecard.
 * A read that misses goes to the score store (and computes when the store has nothing), so the
 * bound only limits memory, never correctness. Metrics (tag cache="scores"): cache_size,
 * cache_gets_total{result="hit|miss"}, cache_puts_total, cache_evictions_total.
 */
public final class ScoreCache {
  private final Cache<ScoreKey, CachedScore> cache;

  public ScoreCache(long maximumSize, MeterRegistry registry) {
    this.cache = Caffeine.newBuilder().maximumSize(maximumSize).recordStats().build();
    CaffeineCacheMetrics.monitor(registry, cache, "scores");
  }

  /** The cached score, or null. Counts a hit or a miss. */
  public CachedScore get(ScoreKey key) {
    return cache.getIfPresent(key);
  }

  public void put(CachedScore score) {
    cache.put(score.key(), score);
  }

  /** Drops a score that no longer applies, or that another replica stored anew. */
  public void invalidate(ScoreKey key) {
    cache.invalidate(key);
  }

  /** Drops every score (a replica that may have missed changes reads them all again). */
  public void invalidateAll() {
    cache.invalidateAll();
  }
}
