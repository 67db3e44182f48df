package io.healthscore.alerting.feed;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter between reconnects, reset after progress. Not thread-safe. */
final class Backoff {
  private final Duration initial;
  private final Duration max;
  private long nextMillis;

  Backoff(Duration initial, Duration max) {
    this.initial = initial;
    this.max = max;
    this.nextMillis = initial.toMillis();
  }

  /** The wait before the next attempt: the current delay with up to 50% jitter; the delay then doubles. */
  Duration next() {
    long base = nextMillis;
    nextMillis = Math.min(max.toMillis(), nextMillis * 2);
    return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
  }

  void reset() {
    nextMillis = initial.toMillis();
  }
}
