package io.healthscore.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Timestamp;
import io.healthscore.runtime.error.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class RequestTimesTest {
  @Test
  void validTimestampsConvert() {
    assertEquals(1_500L, RequestTimes.millis("t", Timestamp.newBuilder().setSeconds(1).setNanos(500_000_000).build()));
    assertEquals(253_402_300_799_000L, RequestTimes.millis("t", Timestamp.newBuilder().setSeconds(253_402_300_799L).build()));
  }

  @Test
  void outOfRangeTimestampsNameTheirField() {
    for (Timestamp bad : new Timestamp[] {
        Timestamp.newBuilder().setSeconds(Long.MAX_VALUE).build(),
        Timestamp.newBuilder().setSeconds(-62_135_596_801L).build(),
        Timestamp.newBuilder().setNanos(-1).build(),
        Timestamp.newBuilder().setNanos(1_000_000_000).build()}) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> RequestTimes.millis("expire_time", bad));
      assertEquals("expire_time", e.violations().get(0).field());
    }
  }
}
