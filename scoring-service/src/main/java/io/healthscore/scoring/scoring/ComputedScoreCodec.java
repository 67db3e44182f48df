package io.healthscore.scoring.scoring;

import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.v1.Band;
import java.nio.ByteBuffer;

/**
 * Stores a ComputedScore in the score table and reads it back. Layout (version 1): score, band,
 * coverage, proactive share, computed-at, no-data, the raw values and the stale bits. The engine's
 * per-scorecard extras are not reachable from here, so a score read back explains percentile
 * measures and input ages from its values alone until it is recomputed.
 */
public final class ComputedScoreCodec {
  private static final byte VERSION = 1;

  private ComputedScoreCodec() {}

  public static byte[] encode(ComputedScore s) {
    float[] values = s.values();
    int maskWords = (values.length + 63) >>> 6;
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + 4 + 4 + 4 + 8 + 1 + 4 + 4 * values.length + 8 * maskWords);
    b.put(VERSION);
    b.putFloat(s.score());
    b.putInt(s.computedBand().getNumber());
    b.putFloat(s.coverage());
    b.putFloat(s.proactiveShare());
    b.putLong(s.computedAtMillis());
    b.put((byte) (s.noData() ? 1 : 0));
    b.putInt(values.length);
    for (float v : values) {
      b.putFloat(v);
    }
    for (int w = 0; w < maskWords; w++) {
      long word = 0;
      for (int bit = 0; bit < 64 && w * 64 + bit < values.length; bit++) {
        if (s.isStale(w * 64 + bit)) {
          word |= 1L << bit;
        }
      }
      b.putLong(word);
    }
    return b.array();
  }

  /** The stale bits of a score, or null when no input was stale. */
  public static long[] staleMask(ComputedScore s) {
    int n = s.values().length;
    long[] mask = new long[(n + 63) >>> 6];
    boolean any = false;
    for (int i = 0; i < n; i++) {
      if (s.isStale(i)) {
        mask[i >>> 6] |= 1L << i;
        any = true;
      }
    }
    return any ? mask : null;
  }

  public static ComputedScore decode(String scorecardId, long version, byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    byte format = b.get();
    if (format != VERSION) {
      throw new IllegalStateException("unknown stored score format " + format);
    }
    float score = b.getFloat();
    Band band = Band.forNumber(b.getInt());
    float coverage = b.getFloat();
    float proactive = b.getFloat();
    long at = b.getLong();
    boolean noData = b.get() != 0;
    float[] values = new float[b.getInt()];
    for (int i = 0; i < values.length; i++) {
      values[i] = b.getFloat();
    }
    long[] mask = new long[(values.length + 63) >>> 6];
    boolean anyStale = false;
    for (int w = 0; w < mask.length; w++) {
      mask[w] = b.getLong();
      anyStale |= mask[w] != 0;
    }
    return new ComputedScore(
        scorecardId, version, score, band, coverage, proactive, at, noData, values, anyStale ? mask : null, null);
  }
}
