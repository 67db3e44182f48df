package io.healthscore.scoring.scoring;

import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.v1.Band;
import java.nio.ByteBuffer;

/**
 * Stores a ComputedScore in the score table and reads it back, so that a score read after a
 * restart explains exactly as it did when computed.
 *
 * <p>Layout: format byte, score, band, coverage, proactive share, computed-at, no-data, the raw
 * values, the stale bits (one long per 64 measures), then (format 2) the engine's extra slots:
 * their count (-1 for none) and the floats, then (format 3) a learned model's bins: their count
 * (-1 for a score the scorecard computed) and the shorts. Rows written in format 1 have no extras;
 * they decode with none, which explains percentile measures and input ages as missing until
 * recomputed.
 */
public final class ComputedScoreCodec {
  private static final byte WITHOUT_EXTRAS = 1;
  private static final byte WITHOUT_MODEL_BINS = 2;
  private static final byte CURRENT = 3;

  private ComputedScoreCodec() {}

  public static byte[] encode(ComputedScore s) {
    float[] values = s.values();
    long[] mask = s.staleMask();
    float[] extras = s.extras();
    int maskWords = words(values.length);
    int extrasLength = extras == null ? 0 : extras.length;
    short[] bins = s.modelBins();
    int binsLength = bins == null ? 0 : bins.length;
    ByteBuffer b =
        ByteBuffer.allocate(
            1 + 4 + 4 + 4 + 4 + 8 + 1 + 4 + 4 * values.length + 8 * maskWords + 4 + 4 * extrasLength + 4
                + 2 * binsLength);
    b.put(CURRENT);
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
      b.putLong(mask == null ? 0 : mask[w]);
    }
    b.putInt(extras == null ? -1 : extras.length);
    for (int i = 0; i < extrasLength; i++) {
      b.putFloat(extras[i]);
    }
    b.putInt(bins == null ? -1 : bins.length);
    for (int i = 0; i < binsLength; i++) {
      b.putShort(bins[i]);
    }
    return b.array();
  }

  public static ComputedScore decode(String scorecardId, long version, byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    byte format = b.get();
    if (format != WITHOUT_EXTRAS && format != WITHOUT_MODEL_BINS && format != CURRENT) {
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
    long[] mask = new long[words(values.length)];
    boolean anyStale = false;
    for (int w = 0; w < mask.length; w++) {
      mask[w] = b.getLong();
      anyStale |= mask[w] != 0;
    }
    float[] extras = null;
    if (format >= WITHOUT_MODEL_BINS) {
      int extrasLength = b.getInt();
      if (extrasLength >= 0) {
        extras = new float[extrasLength];
        for (int i = 0; i < extrasLength; i++) {
          extras[i] = b.getFloat();
        }
      }
    }
    short[] bins = null;
    if (format == CURRENT) {
      int binsLength = b.getInt();
      if (binsLength >= 0) {
        bins = new short[binsLength];
        for (int i = 0; i < binsLength; i++) {
          bins[i] = b.getShort();
        }
      }
    }
    return new ComputedScore(
        scorecardId, version, score, band, coverage, proactive, at, noData, values, anyStale ? mask : null, extras,
        bins);
  }

  private static int words(int measures) {
    return (measures + 63) >>> 6;
  }
}
