package io.healthscore.signals.ingest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs the daily rollups of one account and metric over {@value #DAYS} consecutive days (a block,
 * starting at a multiple of {@value #DAYS} epoch days) into bytes, exactly: every value decodes to
 * the same bits.
 *
 * <p>Layout (version {@value #VERSION}): the version byte; 4 bytes with one bit per day that has a
 * rollup; the block's distinct last labels (count, then length-prefixed UTF-8); then per day, in
 * order: a byte with a 2-bit tag for each of sum, min, max and last value; the signal count, the
 * count of label signals, the label's index + 1 (0: none) and the distinct users, as varints; the
 * first signal's offset into the day and the last one's distance from it (zigzag varints, in
 * seconds when whole, flagged by the low bit); then the values their tags call for. A value's tag
 * says: +0.0 (no bytes), the same as the value before it (min after sum, max after min, last after
 * max; no bytes), a decimal with at most 7 fraction digits (one varint of the zigzag digits and the
 * scale), or the 8 raw bytes. A day of integer-valued signals takes 10 to 16 bytes.
 */
final class RollupBlockCodec {
  static final int DAYS = 32;
  static final int VERSION = 1;
  private static final long MILLIS_PER_DAY = 86_400_000L;
  private static final int ZERO = 0;
  private static final int SAME = 1;
  private static final int DECIMAL = 2;
  private static final int RAW = 3;
  private static final double[] POW10 = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
  /** Digits beyond this lose exactness as doubles. */
  private static final long MAX_DIGITS = 1L << 53;

  private RollupBlockCodec() {}

  /** The first day of the block holding {@code epochDay}. */
  static long blockStart(long epochDay) {
    return Math.floorDiv(epochDay, DAYS) * DAYS;
  }

  /**
   * The bytes of the block from {@code blockStart}: {@code days[i]} is the rollup of day {@code
   * blockStart + i}, or null.
   * Metric, day and checkpoint id of the rollups are not stored (the block's row has them).
   */
  static byte[] encode(long blockStart, StoredRollup[] days) {
    if (days.length != DAYS) {
      throw new IllegalArgumentException("a block has " + DAYS + " days, not " + days.length);
    }
    int present = 0;
    List<String> labels = new ArrayList<>();
    Map<String, Integer> labelIndex = new HashMap<>();
    for (int i = 0; i < DAYS; i++) {
      StoredRollup r = days[i];
      if (r != null) {
        if (r.epochDay() != blockStart + i) {
          throw new IllegalArgumentException("day " + r.epochDay() + " at offset " + i + " of block " + blockStart);
        }
        present |= 1 << i;
        if (r.lastLabel() != null && labelIndex.putIfAbsent(r.lastLabel(), labels.size()) == null) {
          labels.add(r.lastLabel());
        }
      }
    }
    ByteSink out = new ByteSink(16 + 24 * Integer.bitCount(present));
    out.putByte(VERSION);
    out.putByte(present >>> 24);
    out.putByte(present >>> 16);
    out.putByte(present >>> 8);
    out.putByte(present);
    out.putVarLong(labels.size());
    for (String label : labels) {
      out.putString(label);
    }
    for (int i = 0; i < DAYS; i++) {
      StoredRollup r = days[i];
      if (r == null) {
        continue;
      }
      double[] values = {r.sum(), r.min(), r.max(), r.lastValue()};
      int tags = 0;
      for (int v = 0; v < 4; v++) {
        tags |= tag(values, v) << (2 * v);
      }
      out.putByte(tags);
      out.putVarLong(r.count());
      out.putVarLong(r.count() - r.numericCount());
      out.putVarLong(r.lastLabel() == null ? 0 : labelIndex.get(r.lastLabel()) + 1);
      out.putVarLong(r.distinctUsers());
      putMillis(out, r.firstAtMillis() - r.epochDay() * MILLIS_PER_DAY);
      putMillis(out, r.lastAtMillis() - r.firstAtMillis());
      for (int v = 0; v < 4; v++) {
        int tag = (tags >>> (2 * v)) & 3;
        if (tag == DECIMAL) {
          out.putVarLong(decimal(values[v]));
        } else if (tag == RAW) {
          out.putDouble(values[v]);
        }
      }
    }
    byte[] bytes = new byte[out.size()];
    System.arraycopy(out.array(), 0, bytes, 0, bytes.length);
    return bytes;
  }

  /**
   * The rollups of a block, indexed by day offset (null where none), carrying {@code metric}, their
   * days and {@code checkpointId}.
   *
   * @throws IllegalArgumentException when the bytes are not a block of a known version
   */
  static StoredRollup[] decode(byte[] bytes, String metric, long blockStart, long checkpointId) {
    try {
      ByteSource in = new ByteSource(bytes, 0, bytes.length);
      int version = in.getByte();
      if (version != VERSION) {
        throw new IllegalArgumentException("rollup block of unknown version " + version);
      }
      int present = in.getByte() << 24 | in.getByte() << 16 | in.getByte() << 8 | in.getByte();
      int labelCount = in.getVarInt();
      String[] labels = new String[labelCount];
      for (int i = 0; i < labelCount; i++) {
        labels[i] = in.getString();
      }
      StoredRollup[] days = new StoredRollup[DAYS];
      for (int i = 0; i < DAYS; i++) {
        if ((present & (1 << i)) == 0) {
          continue;
        }
        int tags = in.getByte();
        long count = in.getVarLong();
        long numericCount = count - in.getVarLong();
        int label = in.getVarInt();
        long users = in.getVarLong();
        long day = blockStart + i;
        long firstAt = day * MILLIS_PER_DAY + getMillis(in);
        long lastAt = firstAt + getMillis(in);
        double[] values = new double[4];
        for (int v = 0; v < 4; v++) {
          int tag = (tags >>> (2 * v)) & 3;
          values[v] = switch (tag) {
            case ZERO -> 0.0;
            case SAME -> {
              if (v == 0) {
                throw new IllegalArgumentException("malformed rollup block: sum refers to no value");
              }
              yield values[v - 1];
            }
            case DECIMAL -> fromDecimal(in.getVarLong());
            default -> in.getDouble();
          };
        }
        if (label > labelCount) {
          throw new IllegalArgumentException("malformed rollup block: label " + label + " of " + labelCount);
        }
        days[i] = new StoredRollup(metric, day, count, numericCount, values[0], values[1], values[2], values[3],
            label == 0 ? null : labels[label - 1], firstAt, lastAt, users, checkpointId);
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException("malformed rollup block: bytes after the last day");
      }
      return days;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed rollup block: " + e.getMessage(), e);
    }
  }

  private static int tag(double[] values, int v) {
    long bits = Double.doubleToRawLongBits(values[v]);
    if (bits == 0L) {
      return ZERO;
    }
    if (v > 0 && bits == Double.doubleToRawLongBits(values[v - 1])) {
      return SAME;
    }
    return decimal(values[v]) >= 0 ? DECIMAL : RAW;
  }

  /**
   * The varint payload of {@code value} as zigzag digits and a scale (digits / 10^scale gives the
   * same bits), or -1 when no such form exists.
   */
  private static long decimal(double value) {
    if (!Double.isFinite(value) || Double.doubleToRawLongBits(value) == Double.doubleToRawLongBits(-0.0)) {
      return -1;
    }
    for (int scale = 0; scale < POW10.length; scale++) {
      double scaled = value * POW10[scale];
      if (Math.abs(scaled) >= MAX_DIGITS) {
        return -1;
      }
      long digits = Math.round(scaled);
      if (Double.doubleToRawLongBits(digits / POW10[scale]) == Double.doubleToRawLongBits(value)) {
        return zigzag(digits) << 3 | scale;
      }
    }
    return -1;
  }

  private static double fromDecimal(long payload) {
    return unzigzag(payload >>> 3) / POW10[(int) (payload & 7)];
  }

  /** Millisecond offsets: in whole seconds when they are (low bit 1), else in milliseconds. */
  private static void putMillis(ByteSink out, long millis) {
    if (Math.abs(millis) >= 1L << 60) {
      throw new IllegalArgumentException("a time offset out of range: " + millis + " ms");
    }
    out.putVarLong(millis % 1000 == 0 ? zigzag(millis / 1000) << 1 | 1 : zigzag(millis) << 1);
  }

  private static long getMillis(ByteSource in) throws IOException {
    long v = in.getVarLong();
    long n = unzigzag(v >>> 1);
    return (v & 1) == 1 ? n * 1000 : n;
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }
}
