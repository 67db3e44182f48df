package io.healthscore.scoring.scoring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.v1.Band;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ComputedScoreCodecTest {
  @Test
  void roundTripKeepsValuesStaleBitsAndExtras() {
    float[] values = new float[70];
    for (int i = 0; i < values.length; i++) {
      values[i] = i % 7 == 0 ? Float.NaN : i * 1.5f;
    }
    long[] mask = {1L << 3, 1L << 5}; // measures 3 and 69
    float[] extras = {120f, Float.NaN, 7.5f};
    ComputedScore s =
        new ComputedScore("c", 4, 6.25f, Band.BAND_YELLOW, 0.75f, 0.4f, 123_456L, false, values, mask, extras);

    ComputedScore back = ComputedScoreCodec.decode("c", 4, ComputedScoreCodec.encode(s));

    assertEquals(6.25f, back.score());
    assertEquals(Band.BAND_YELLOW, back.computedBand());
    assertEquals(0.75f, back.coverage());
    assertEquals(0.4f, back.proactiveShare());
    assertEquals(123_456L, back.computedAtMillis());
    assertArrayEquals(values, back.values());
    assertArrayEquals(mask, back.staleMask());
    assertTrue(back.isStale(69));
    assertArrayEquals(extras, back.extras());
  }

  @Test
  void aLearnedScoreKeepsTheModelsBinsAndAScorecardsHasNone() {
    short[] bins = {0, 3, 1024, 2};
    ComputedScore learned =
        new ComputedScore("c", 2, 3.5f, Band.BAND_RED, 1, 0, 5L, false, new float[] {1f}, null, null, bins);
    assertArrayEquals(bins, ComputedScoreCodec.decode("c", 2, ComputedScoreCodec.encode(learned)).modelBins());
    ComputedScore scored =
        new ComputedScore("c", 2, 3.5f, Band.BAND_RED, 1, 0, 5L, false, new float[] {1f}, null, new float[] {2f});
    ComputedScore back = ComputedScoreCodec.decode("c", 2, ComputedScoreCodec.encode(scored));
    assertNull(back.modelBins());
    assertArrayEquals(new float[] {2f}, back.extras());
  }

  @Test
  void aScorecardWithoutExtrasOrStaleInputsStaysWithout() {
    ComputedScore s =
        new ComputedScore("c", 1, 5.5f, Band.BAND_YELLOW, 0, 0, 1L, true, new float[] {Float.NaN}, null, null);

    ComputedScore back = ComputedScoreCodec.decode("c", 1, ComputedScoreCodec.encode(s));

    assertNull(back.staleMask());
    assertNull(back.extras());
    assertTrue(back.noData());
  }

  @Test
  void rowsWrittenBeforeExtrasWereStoredDecodeWithoutThem() {
    // Format 1: no extras after the stale bits.
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + 4 + 4 + 4 + 8 + 1 + 4 + 4 * 2 + 8);
    b.put((byte) 1).putFloat(8.2f).putInt(Band.BAND_GREEN.getNumber()).putFloat(1f).putFloat(0f).putLong(99L);
    b.put((byte) 0).putInt(2).putFloat(80f).putFloat(3f).putLong(0b10L);

    ComputedScore back = ComputedScoreCodec.decode("c", 2, b.array());

    assertEquals(8.2f, back.score());
    assertEquals(Band.BAND_GREEN, back.computedBand());
    assertArrayEquals(new float[] {80f, 3f}, back.values());
    assertTrue(back.isStale(1));
    assertNull(back.extras());
  }

  @Test
  void anUnknownFormatIsAnError() {
    assertThrows(IllegalStateException.class, () -> ComputedScoreCodec.decode("c", 1, new byte[] {9}));
  }
}
