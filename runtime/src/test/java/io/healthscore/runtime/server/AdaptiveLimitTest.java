package io.healthscore.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The limit's decisions on a clock the test moves; latencies are what the test says they are. */
class AdaptiveLimitTest {
  private static final Duration TARGET = Duration.ofMillis(250);

  private long now = 1_000_000_000L;
  private final AdaptiveLimit limit = new AdaptiveLimit(4, 100, TARGET, () -> now);

  @Test
  void startsAtTheCeilingAndRefusesPastIt() {
    assertEquals(100, limit.limit());
    List<AdaptiveLimit.Permit> held = acquire(100);
    assertTrue(limit.tryAcquire().isEmpty(), "the 101st call is refused");
    held.get(0).release();
    assertTrue(limit.tryAcquire().isPresent(), "a released slot is free again");
  }

  @Test
  void releasingTwiceFreesOneSlot() {
    List<AdaptiveLimit.Permit> held = acquire(2);
    held.get(0).release();
    held.get(0).release();
    assertEquals(1, limit.inFlight());
  }

  @Test
  void slowCallsWhileTheLimitIsInPlayBringItDownToWhatMeetsTheTarget() {
    // 100 calls in flight took a second each: by Little's law a quarter of them meets 250 ms.
    complete(acquire(100), Duration.ofSeconds(1));
    assertEquals(25, limit.limit());
  }

  @Test
  void aWindowJustOverTheTargetCostsATenth() {
    complete(acquire(100), Duration.ofMillis(260));
    assertEquals(90, limit.limit());
  }

  @Test
  void neverBelowTheFloor() {
    complete(acquire(100), Duration.ofSeconds(100));
    assertEquals(4, limit.limit());
  }

  @Test
  void slowCallsAtLowConcurrencyLeaveTheLimitAlone() {
    // 20 calls at once, a fifth of the limit: their slowness is not queueing behind each other.
    for (int round = 0; round < 5; round++) {
      complete(acquire(20), Duration.ofSeconds(2));
    }
    assertEquals(100, limit.limit());
  }

  @Test
  void callsStillRunningCountByTheirAgeSoASurgeIsSeenBeforeItsFirstCallEnds() {
    acquire(100);
    now += TimeUnit.SECONDS.toNanos(1);
    assertTrue(limit.tryAcquire().isEmpty());
    assertEquals(25, limit.limit(), "100 calls running for a second: a quarter meets 250 ms");
  }

  @Test
  void aDecreaseFollowsTheCallsInFlightAndDoesNotCompound() {
    List<AdaptiveLimit.Permit> first = acquire(100);
    complete(first.subList(0, 10), Duration.ofSeconds(1));
    assertEquals(25, limit.limit());
    // Their 900 ms or more do not count again when they end; the 90 left running count by age.
    now += TimeUnit.MILLISECONDS.toNanos(100);
    first.get(10).release();
    assertEquals(22, limit.limit(), "99 calls in the window, 1.1 s old: 22 meet the target (compounding would give 5)");
  }

  @Test
  void windowsWithinTheTargetGrowTheLimitBackToTheCeiling() {
    complete(acquire(100), Duration.ofSeconds(1));
    assertEquals(25, limit.limit());
    complete(acquire(25), Duration.ofMillis(240));
    assertEquals(29, limit.limit(), "just within the target: a tenth more (at least one) for each 100 ms");
    for (int round = 0; round < 20; round++) {
      complete(acquire(10), Duration.ofMillis(240));
    }
    assertEquals(100, limit.limit());
  }

  @Test
  void callsFarWithinTheTargetGrowItTowardWhatLittlesLawAllowsAtMostDoubling() {
    complete(acquire(100), Duration.ofSeconds(1));
    assertEquals(25, limit.limit());
    complete(acquire(20), Duration.ofMillis(100));
    assertEquals(50, limit.limit(), "20 calls at 100 ms: 50 would meet 250 ms, and doubling allows 50");
    complete(acquire(10), Duration.ofMillis(200));
    assertEquals(60, limit.limit(), "10 calls at 200 ms allow only 12: a tenth more for each 100 ms all the same");
    for (int round = 0; round < 20; round++) {
      complete(acquire(10), Duration.ofMillis(5));
    }
    assertEquals(100, limit.limit(), "10 calls at a time at 5 ms allow 500: doubled, up to the ceiling");
  }

  @Test
  void aQuietSpellAfterAnOverloadCountsAsTheWindowsItSpanned() {
    complete(acquire(100), Duration.ofSeconds(100));
    assertEquals(4, limit.limit());
    now += TimeUnit.SECONDS.toNanos(2);
    complete(acquire(4), Duration.ofMillis(240));
    for (int i = 0; i < 6; i++) {
      complete(acquire(1), Duration.ofMillis(240));
    }
    assertEquals(100, limit.limit(), "two quiet seconds are twenty windows of growth");
  }

  @Test
  void tooFewCallsAreNotJudged() {
    AdaptiveLimit small = new AdaptiveLimit(4, AdaptiveLimit.MIN_SAMPLES, TARGET, () -> now);
    List<AdaptiveLimit.Permit> held = new ArrayList<>();
    for (int i = 0; i < AdaptiveLimit.MIN_SAMPLES - 1; i++) {
      held.add(small.tryAcquire().orElseThrow());
    }
    now += TimeUnit.SECONDS.toNanos(1);
    held.forEach(AdaptiveLimit.Permit::release);
    assertEquals(AdaptiveLimit.MIN_SAMPLES, small.limit(), "in play and slow, but too few calls to judge");
  }

  @Test
  void aWindowLastsItsMinimumTimeEvenWithEnoughCalls() {
    List<AdaptiveLimit.Permit> slow = acquire(100);
    now += TimeUnit.MILLISECONDS.toNanos(300);
    slow.get(0).release();
    assertEquals(83, limit.limit(), "100 calls at 300 ms: 83 meet 250 ms");

    slow.subList(1, 20).forEach(AdaptiveLimit.Permit::release);
    now += AdaptiveLimit.WINDOW.toNanos() / 2;
    slow.get(20).release();
    assertEquals(83, limit.limit(), "slow calls, but the window is not 100 ms old");
    now += AdaptiveLimit.WINDOW.toNanos() / 2;
    slow.get(21).release();
    assertEquals(61, limit.limit(), "old enough now: 99 calls in the window, 400 ms old, so 61 meet 250 ms");
  }

  @Test
  void floorEqualToCeilingIsAFixedLimit() {
    AdaptiveLimit fixed = new AdaptiveLimit(12, 12, TARGET, () -> now);
    List<AdaptiveLimit.Permit> held = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      held.clear();
      for (int i = 0; i < 12; i++) {
        held.add(fixed.tryAcquire().orElseThrow());
      }
      now += TimeUnit.SECONDS.toNanos(5);
      held.forEach(AdaptiveLimit.Permit::release);
    }
    assertEquals(12, fixed.limit(), "every window slow and in play, yet the limit stays");
  }

  @Test
  void rejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(0, 10, TARGET, () -> now));
    assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(11, 10, TARGET, () -> now));
    assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(1, 10, Duration.ZERO, () -> now));
  }

  private List<AdaptiveLimit.Permit> acquire(int n) {
    List<AdaptiveLimit.Permit> permits = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      permits.add(limit.tryAcquire().orElseThrow());
    }
    return permits;
  }

  /** The calls end after {@code latency}, one after another at that moment. */
  private void complete(List<AdaptiveLimit.Permit> permits, Duration latency) {
    now += latency.toNanos();
    permits.forEach(AdaptiveLimit.Permit::release);
  }
}
