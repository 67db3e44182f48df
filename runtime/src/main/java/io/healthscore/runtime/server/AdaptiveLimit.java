package io.healthscore.runtime.server;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * How many calls a server works on at once, following their measured latency so that admitted
 * calls finish within a target instead of sharing the CPU until all of them are late.
 *
 * <p>Latencies are judged per window of at least {@link #WINDOW} and {@link #MIN_SAMPLES} calls:
 * the calls that ended in it, and the calls still running, each by its age so far (a lower bound
 * of its latency, so a surge is seen before its first call ends). When the 90th percentile is over
 * the target while the limit was in play (at least half of it in use), the limit drops to the
 * concurrency that would have met the target by Little's law (the most calls in flight in the
 * window, times target over latency), by a tenth at least. Otherwise it grows toward the
 * concurrency Little's law allows from the window's mean calls in flight, by a tenth (at least
 * one) and at most doubling for each {@link #WINDOW} the window lasted: calls far within the
 * target are not queueing, so the limit comes back within a few windows once an overload ends, and
 * a service that sat quiet has no evidence for a low limit. (The mean, not the most calls in
 * flight, because the calls a decrease left running end at the start of the next window and were
 * never in flight beside its fast calls.) A limit held by a few calls at low load is left alone: slowness
 * that is not queueing behind our own calls (a busy machine, a call that is slow by nature) is not
 * cured by refusing. Calls admitted before a decrease count only while they run, not when they end,
 * so their latency does not drive the limit down twice.
 */
final class AdaptiveLimit {
  static final Duration WINDOW = Duration.ofMillis(100);
  static final int MIN_SAMPLES = 10;
  static final int MAX_SAMPLES = 1000;
  private static final double PERCENTILE = 0.9;
  /** The smallest step down: a window over the target always costs something. */
  private static final double MAX_DECREASE_RATIO = 0.9;
  /** Windows of growth a long quiet window counts for at most; enough to reach any ceiling. */
  private static final long MAX_GROWTH_STEPS = 64;

  private final int floor;
  private final int ceiling;
  private final long targetNanos;
  private final LongSupplier nanoTime;

  @GuardedBy("this")
  private int limit;
  @GuardedBy("this")
  private final Set<Permit> running = new HashSet<>();
  @GuardedBy("this")
  private int peakInFlight;
  @GuardedBy("this")
  private long windowStart;
  @GuardedBy("this")
  private long decreasedAt;
  @GuardedBy("this")
  private final long[] samples = new long[MAX_SAMPLES];
  @GuardedBy("this")
  private int sampleCount;
  /** The time the sampled calls ran within this window: their sum over its length is the mean in flight. */
  @GuardedBy("this")
  private long sampledNanos;

  /**
   * Starts at the ceiling, so that bursts the service has always served are served until latency
   * says otherwise. {@code floor == ceiling} is a fixed limit.
   */
  AdaptiveLimit(int floor, int ceiling, Duration target, LongSupplier nanoTime) {
    if (floor < 1 || floor > ceiling) {
      throw new IllegalArgumentException("need 1 <= floor <= ceiling, got floor " + floor + ", ceiling " + ceiling);
    }
    if (target.isNegative() || target.isZero()) {
      throw new IllegalArgumentException("target latency must be positive, got " + target);
    }
    this.floor = floor;
    this.ceiling = ceiling;
    this.targetNanos = target.toNanos();
    this.nanoTime = nanoTime;
    this.limit = ceiling;
    long now = nanoTime.getAsLong();
    this.windowStart = now;
    this.decreasedAt = now;
  }

  /** A permit to start one call, or empty when {@link #limit()} calls are in flight already. */
  synchronized Optional<Permit> tryAcquire() {
    long now = nanoTime.getAsLong();
    closeWindowIfDue(now);
    if (running.size() >= limit) {
      return Optional.empty();
    }
    Permit permit = new Permit(now);
    running.add(permit);
    peakInFlight = Math.max(peakInFlight, running.size());
    return Optional.of(permit);
  }

  /** Whether a call starting now would be refused (a hint: {@link #tryAcquire()} decides). */
  synchronized boolean isFull() {
    return running.size() >= limit;
  }

  synchronized int limit() {
    return limit;
  }

  synchronized int inFlight() {
    return running.size();
  }

  private synchronized void release(Permit permit) {
    running.remove(permit);
    long now = nanoTime.getAsLong();
    if (permit.startedAt - decreasedAt >= 0 && sampleCount < MAX_SAMPLES) {
      samples[sampleCount++] = now - permit.startedAt;
      sampledNanos += Math.min(now - permit.startedAt, now - windowStart);
    }
    closeWindowIfDue(now);
  }

  @GuardedBy("this")
  private void closeWindowIfDue(long now) {
    int evidence = sampleCount + running.size();
    boolean due = sampleCount >= MAX_SAMPLES || evidence >= MIN_SAMPLES && now - windowStart >= WINDOW.toNanos();
    if (!due) {
      return;
    }
    long[] latencies = Arrays.copyOf(samples, evidence);
    int at = sampleCount;
    for (Permit p : running) {
      latencies[at++] = now - p.startedAt;
    }
    Arrays.sort(latencies);
    long latency = latencies[(int) Math.ceil(PERCENTILE * evidence) - 1];
    if (latency > targetNanos) {
      if (2 * peakInFlight >= limit) {
        double ratio = Math.min(MAX_DECREASE_RATIO, (double) targetNanos / latency);
        int decreased = Math.max(floor, (int) (peakInFlight * ratio));
        if (decreased < limit) {
          limit = decreased;
          decreasedAt = now;
        }
      }
    } else {
      long busyNanos = sampledNanos;
      for (Permit p : running) {
        busyNanos += Math.min(now - p.startedAt, now - windowStart);
      }
      double meanInFlight = (double) busyNanos / Math.max(1, now - windowStart);
      long littlesLaw = (long) (meanInFlight * targetNanos / Math.max(1, latency));
      long windows = Math.min(MAX_GROWTH_STEPS, Math.max(1, (now - windowStart) / WINDOW.toNanos()));
      for (long w = 0; w < windows && limit < ceiling; w++) {
        long grown = Math.max(limit + Math.max(1, limit / 10), Math.min(2L * limit, littlesLaw));
        limit = (int) Math.min(ceiling, grown);
      }
    }
    windowStart = now;
    sampleCount = 0;
    sampledNanos = 0;
    peakInFlight = running.size();
  }

  /** One admitted call; {@link #release()} it when its handler is done (again is harmless). */
  final class Permit {
    private final long startedAt;
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit(long startedAt) {
      this.startedAt = startedAt;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        AdaptiveLimit.this.release(this);
      }
    }
  }
}
