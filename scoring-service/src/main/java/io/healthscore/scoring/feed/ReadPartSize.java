package io.healthscore.scoring.feed;

import java.time.Duration;

/**
 * How many accounts the feed reads from signals-service in one call: sized from how long the last
 * reads took, so that a call ends well within its deadline however slow signals-service is at the
 * moment. A feed that read a whole batch of 1,000 accounts in one call failed every attempt once
 * signals-service needed longer than the deadline for them (it reconnected from the same cursor
 * and read the same 1,000 again), so a loaded signals-service stopped the feed altogether.
 *
 * <p>After each read the size moves toward what would have taken {@code target} at the rate just
 * measured (at most doubling per read, so one fast read does not overshoot); a read that passed its
 * deadline halves it. Not thread-safe: the feed's follower thread owns it.
 */
final class ReadPartSize {
  private final int max;
  private final long targetNanos;
  private int size;

  /** Starts at {@code initial} accounts per call, never more than {@code max}; aims at {@code target} per call. */
  ReadPartSize(int initial, int max, Duration target) {
    if (initial < 1 || max < initial || target.isNegative() || target.isZero()) {
      throw new IllegalArgumentException(
          "need 1 <= initial <= max and a positive target: " + initial + ", " + max + ", " + target);
    }
    this.size = initial;
    this.max = max;
    this.targetNanos = target.toNanos();
  }

  /** Accounts to ask for in the next call. */
  int next() {
    return size;
  }

  /** A call of {@code accounts} answered after {@code nanos}. */
  void answered(int accounts, long nanos) {
    double fitting = accounts * (double) targetNanos / Math.max(1, nanos);
    size = (int) Math.max(1, Math.min(Math.min(max, 2L * size), Math.floor(fitting)));
  }

  /**
   * A call of {@code accounts} passed its deadline; returns false when it was of a single account
   * (nothing smaller to try: the read as a whole fails).
   */
  boolean timedOut(int accounts) {
    size = Math.max(1, Math.min(size, accounts) / 2);
    return accounts > 1;
  }
}
