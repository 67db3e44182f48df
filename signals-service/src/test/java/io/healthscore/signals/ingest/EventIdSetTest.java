package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EventIdSetTest {
  private static long[] id(String eventId, long day) {
    long[] h = new long[2];
    SignalHashing.keyed(7, 11).hash128(eventId, h, 0);
    return new long[] {EventIdSet.high(h[0]), EventIdSet.low(h[1], day)};
  }

  @Test
  void remembersIdsThroughGrowthWhateverTheDay() {
    EventIdSet set = new EventIdSet();
    for (int i = 0; i < 100_000; i++) {
      long[] e = id("event-" + i, 20_000);
      assertTrue(set.add(e[0], e[1]));
    }
    assertEquals(100_000, set.size());
    for (int i = 0; i < 100_000; i += 997) {
      long[] sameIdOtherDay = id("event-" + i, 20_005);
      assertFalse(set.add(sameIdOtherDay[0], sameIdOtherDay[1]));
      assertTrue(set.contains(sameIdOtherDay[0], sameIdOtherDay[1]));
    }
    long[] unknown = id("never-seen", 20_000);
    assertFalse(set.contains(unknown[0], unknown[1]));
  }

  @Test
  void refusesToReservePastItsLimitButKeepsWorking() {
    EventIdSet set = new EventIdSet(10_000);
    assertTrue(set.reserve(10_000));
    for (int i = 0; i < 10_000; i++) {
      long[] e = id("event-" + i, 20_000);
      assertTrue(set.add(e[0], e[1]));
    }
    assertFalse(set.reserve(1), "full: the caller refuses the batch");
    long[] known = id("event-17", 20_000);
    assertFalse(set.add(known[0], known[1]), "still answers for what it holds");
    set.expire(20_401, 400);
    assertEquals(0, set.size());
    assertTrue(set.reserve(10_000), "room again after expiry");
  }

  @Test
  void expiresOnlyIdsOlderThanTheRetention() {
    EventIdSet set = new EventIdSet();
    for (int i = 0; i < 5_000; i++) {
      long[] old = id("old-" + i, 20_000);
      long[] recent = id("recent-" + i, 20_300);
      set.add(old[0], old[1]);
      set.add(recent[0], recent[1]);
    }
    set.expire(20_400, 400);
    assertEquals(10_000, set.size());
    set.expire(20_401, 400);
    assertEquals(5_000, set.size());
    long[] old = id("old-7", 20_000);
    long[] recent = id("recent-7", 20_300);
    assertFalse(set.contains(old[0], old[1]));
    assertTrue(set.contains(recent[0], recent[1]));
  }
}
