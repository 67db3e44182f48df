package io.healthscore.scoring.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReadPartSizeTest {
  static final long MS = 1_000_000;

  @Test
  void theSizeMovesTowardWhatFitsTheTargetAtTheRateJustMeasured() {
    ReadPartSize size = new ReadPartSize(200, 1000, Duration.ofSeconds(2));
    size.answered(200, 4000 * MS); // 50 accounts/s: 100 fit in 2 s
    assertEquals(100, size.next());
    size.answered(100, 100 * MS); // 1,000 accounts/s: 2,000 would fit, but it at most doubles
    assertEquals(200, size.next());
    size.answered(200, 100 * MS);
    size.answered(400, 100 * MS);
    assertEquals(800, size.next());
    size.answered(800, 100 * MS);
    assertEquals(1000, size.next(), "never above the most one call takes");
  }

  @Test
  void aReadPastItsDeadlineHalvesTheSizeDownToOneAccount() {
    ReadPartSize size = new ReadPartSize(8, 1000, Duration.ofSeconds(2));
    assertTrue(size.timedOut(8));
    assertEquals(4, size.next());
    assertTrue(size.timedOut(3), "a last, shorter part halves what it asked for");
    assertEquals(1, size.next());
    assertFalse(size.timedOut(1), "nothing smaller to try");
    assertEquals(1, size.next());
    size.answered(1, 4000 * MS);
    assertEquals(1, size.next(), "never below one account");
  }

  @Test
  void settingsOutsideTheirRangeAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ReadPartSize(0, 10, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new ReadPartSize(20, 10, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new ReadPartSize(1, 10, Duration.ZERO));
  }
}
