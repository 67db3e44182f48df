package io.healthscore.alerting.dispatch;

import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: after a delivery failed {@code n} times before, the next
 * attempt waits a uniformly random time between zero and min(cap, base × 2^n). The randomness
 * spreads the retries of many deliveries that failed together (a receiver outage) over the window
 * instead of sending them back in one burst. A wait the receiver asked for (Retry-After) is a floor
 * under the drawn time, so we never come back sooner than asked, but never later than the cap.
 */
final class Backoff {
  private final Duration base;
  private final Duration cap;
  private final DoubleSupplier random;

  /** {@code random} returns values in [0, 1). */
  Backoff(Duration base, Duration cap, DoubleSupplier random) {
    this.base = base;
    this.cap = cap;
    this.random = random;
  }

  /** The longest wait after a failure that had {@code previousAttempts} failures before it. */
  Duration ceiling(int previousAttempts) {
    long baseMs = base.toMillis();
    long capMs = cap.toMillis();
    // Doubling past 62 bits overflows; long before that the cap applies.
    if (previousAttempts >= 62 || baseMs > (capMs >> Math.min(previousAttempts, 62))) {
      return cap;
    }
    return Duration.ofMillis(Math.min(capMs, baseMs << previousAttempts));
  }

  /** The wait before the next attempt. */
  Duration delay(int previousAttempts) {
    return Duration.ofMillis((long) (random.getAsDouble() * ceiling(previousAttempts).toMillis()));
  }

  /** The wait before the next attempt when the receiver may have asked for one (Retry-After). */
  Duration delay(int previousAttempts, Optional<Duration> asked) {
    Duration drawn = delay(previousAttempts);
    if (asked.isEmpty()) {
      return drawn;
    }
    Duration floor = asked.get().compareTo(cap) > 0 ? cap : asked.get();
    return floor.compareTo(drawn) > 0 ? floor : drawn;
  }
}
