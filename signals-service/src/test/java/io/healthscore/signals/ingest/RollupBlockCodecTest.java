package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RollupBlockCodecTest {
  private static final long DAY = 86_400_000L;
  private static final long BLOCK = 640; // a multiple of 32

  private static StoredRollup rollup(long day, long count, long numeric, double sum, double min, double max,
      double last, String label, long firstOffset, long lastOffset, long users) {
    return new StoredRollup("m", day, count, numeric, sum, min, max, last, label, day * DAY + firstOffset,
        day * DAY + lastOffset, users, 7);
  }

  private static StoredRollup[] roundTrip(StoredRollup[] days) {
    return RollupBlockCodec.decode(RollupBlockCodec.encode(BLOCK, days), "m", BLOCK, 7);
  }

  @Test
  void blocksStartAtMultiplesOf32Days() {
    assertEquals(640, RollupBlockCodec.blockStart(640));
    assertEquals(640, RollupBlockCodec.blockStart(671));
    assertEquals(672, RollupBlockCodec.blockStart(672));
    assertEquals(-32, RollupBlockCodec.blockStart(-1));
  }

  @Test
  void everyValueComesBackWithTheSameBits() {
    StoredRollup[] days = new StoredRollup[32];
    days[0] = rollup(BLOCK, 1, 1, 42, 42, 42, 42, null, 43_200_000, 43_200_000, 1);
    days[1] = rollup(BLOCK + 1, 5, 3, 0.1 + 0.2, -0.0, 1e308, Double.MIN_VALUE, "gold", 1, DAY - 1, 3);
    days[2] = rollup(BLOCK + 2, 2, 0, 0, 0, 0, 0, "silver", 0, 0, 0);
    days[5] = rollup(BLOCK + 5, 3, 3, 1e12 + 0.3, -12.25, 0.001, Math.PI, null, 999, 86_399_000, 100_000);
    days[31] = rollup(BLOCK + 31, Long.MAX_VALUE / 2, 1, -7, -7, -7, -7, "gold", 5_000, 5_000, 0);
    StoredRollup[] decoded = roundTrip(days);
    for (int i = 0; i < 32; i++) {
      assertEquals(days[i], decoded[i], "day " + i);
    }
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(decoded[1].min()));
  }

  @Test
  void randomValuesRoundTripExactly() {
    Random random = new Random(11);
    for (int run = 0; run < 2_000; run++) {
      StoredRollup[] days = new StoredRollup[32];
      for (int i = 0; i < 32; i++) {
        if (random.nextInt(3) == 0) {
          continue;
        }
        double[] v = new double[4];
        for (int k = 0; k < 4; k++) {
          v[k] = switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> random.nextInt(1_000_000) - 500_000;
            case 2 -> random.nextInt(100_000) / 100.0;
            case 3 -> Double.longBitsToDouble(random.nextLong());
            case 4 -> k > 0 ? v[k - 1] : 1;
            default -> random.nextGaussian() * 1e9;
          };
        }
        long count = 1 + random.nextInt(1_000);
        long first = random.nextInt((int) DAY);
        days[i] = rollup(BLOCK + i, count, random.nextInt((int) count + 1), v[0], v[1], v[2], v[3],
            random.nextBoolean() ? null : "label-" + random.nextInt(5), first,
            first + random.nextInt((int) (DAY - first)), random.nextInt(10_000));
      }
      StoredRollup[] decoded = roundTrip(days);
      for (int i = 0; i < 32; i++) {
        StoredRollup a = days[i];
        StoredRollup b = decoded[i];
        if (a == null) {
          assertNull(b);
          continue;
        }
        // Records compare doubles by their bits (Double.compare), so NaN payloads and -0.0 count.
        assertEquals(a, b, "run " + run + ", day " + i);
        assertEquals(Double.doubleToRawLongBits(a.sum()), Double.doubleToRawLongBits(b.sum()));
        assertEquals(Double.doubleToRawLongBits(a.lastValue()), Double.doubleToRawLongBits(b.lastValue()));
      }
    }
  }

  @Test
  void aTypicalDayTakesAtMostSixteenBytes() {
    StoredRollup[] days = new StoredRollup[32];
    for (int i = 0; i < 32; i++) {
      days[i] = rollup(BLOCK + i, 1 + i % 3, 1 + i % 3, 17 * (1 + i % 3), 17, 17, 17, null, 36_000_000 + i * 1000,
          50_000_000, 1);
    }
    int bytes = RollupBlockCodec.encode(BLOCK, days).length;
    assertTrue(bytes <= 32 * 16, bytes + " bytes for 32 days");
  }

  @Test
  void anEmptyBlockAndAbsentDaysStayAbsent() {
    StoredRollup[] none = new StoredRollup[32];
    assertArrayEquals(none, roundTrip(none));
    assertEquals(6, RollupBlockCodec.encode(BLOCK, none).length, "version, day bits, no labels");
  }

  @Test
  void refusesWhatIsNotABlockOfAKnownVersion() {
    StoredRollup[] days = new StoredRollup[32];
    days[3] = rollup(BLOCK + 3, 1, 1, 1, 1, 1, 1, null, 0, 0, 0);
    byte[] bytes = RollupBlockCodec.encode(BLOCK, days);
    byte[] future = bytes.clone();
    future[0] = 2;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RollupBlockCodec.decode(future, "m", BLOCK, 1));
    assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> RollupBlockCodec.decode(Arrays.copyOf(bytes, bytes.length - 1), "m", BLOCK, 1));
    assertThrows(IllegalArgumentException.class,
        () -> RollupBlockCodec.decode(Arrays.copyOf(bytes, bytes.length + 1), "m", BLOCK, 1));
    StoredRollup[] misplaced = new StoredRollup[32];
    misplaced[0] = days[3];
    assertThrows(IllegalArgumentException.class, () -> RollupBlockCodec.encode(BLOCK, misplaced));
  }
}
