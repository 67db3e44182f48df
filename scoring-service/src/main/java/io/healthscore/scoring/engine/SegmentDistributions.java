package io.healthscore.scoring.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sorted values of the percentile measures' features, per segment and over all accounts. Keyed by
 * feature (and denominator), not by measure position, so one instance can serve several
 * scorecards. Immutable once built; a percentile is two binary searches.
 */
public final class SegmentDistributions {
  /** Segment key of the distribution over all accounts, used when a segment has no values. */
  private static final String ALL = "\u0000all";

  private static final SegmentDistributions EMPTY = new SegmentDistributions(Map.of());

  /** First byte of {@link #encode()}'s form, so a later layout can still read this one. */
  private static final int FORMAT = 1;

  private final Map<String, Map<String, double[]>> bySegment;

  private SegmentDistributions(Map<String, Map<String, double[]>> bySegment) {
    this.bySegment = bySegment;
  }

  public static SegmentDistributions empty() {
    return EMPTY;
  }

  /** Collects every percentile measure's values of {@code snapshots}, per segment and overall. */
  public static SegmentDistributions build(CompiledScorecard sc, Iterable<AccountSnapshot> snapshots) {
    int[] measures = sc.percentileMeasures();
    Map<String, Map<String, List<Double>>> collected = new HashMap<>();
    if (measures.length > 0) {
      for (AccountSnapshot a : snapshots) {
        for (int m : measures) {
          double v = sc.rawValue(m, a);
          if (Double.isNaN(v)) {
            continue;
          }
          String key = sc.percentileKey(m);
          String segment = a.segment() == null ? "" : a.segment();
          collected.computeIfAbsent(segment, s -> new HashMap<>())
              .computeIfAbsent(key, k -> new ArrayList<>())
              .add(v);
          collected.computeIfAbsent(ALL, s -> new HashMap<>())
              .computeIfAbsent(key, k -> new ArrayList<>())
              .add(v);
        }
      }
    }
    Map<String, Map<String, double[]>> sorted = new HashMap<>();
    collected.forEach(
        (segment, byKey) -> {
          Map<String, double[]> arrays = new HashMap<>();
          byKey.forEach(
              (key, list) -> {
                double[] a = list.stream().mapToDouble(Double::doubleValue).toArray();
                Arrays.sort(a);
                arrays.put(key, a);
              });
          sorted.put(segment, arrays);
        });
    return new SegmentDistributions(sorted);
  }

  /** The sorted values as bytes, so every replica serves the same distributions (see decode). */
  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeInt(bySegment.size());
      for (Map.Entry<String, Map<String, double[]>> segment : bySegment.entrySet()) {
        out.writeUTF(segment.getKey());
        out.writeInt(segment.getValue().size());
        for (Map.Entry<String, double[]> key : segment.getValue().entrySet()) {
          out.writeUTF(key.getKey());
          out.writeInt(key.getValue().length);
          for (double v : key.getValue()) {
            out.writeDouble(v);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #encode()} wrote. */
  public static SegmentDistributions decode(byte[] encoded) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
      int format = in.readUnsignedByte();
      if (format != FORMAT) {
        throw new IllegalArgumentException("unknown percentile distributions format " + format);
      }
      Map<String, Map<String, double[]>> bySegment = new HashMap<>();
      int segments = in.readInt();
      for (int s = 0; s < segments; s++) {
        String segment = in.readUTF();
        Map<String, double[]> byKey = new HashMap<>();
        int keys = in.readInt();
        for (int k = 0; k < keys; k++) {
          String key = in.readUTF();
          double[] values = new double[in.readInt()];
          for (int i = 0; i < values.length; i++) {
            values[i] = in.readDouble();
          }
          byKey.put(key, values);
        }
        bySegment.put(segment, byKey);
      }
      return new SegmentDistributions(bySegment);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated percentile distributions", e);
    }
  }

  /**
   * The mid-rank percentile (0 to 1) of {@code value} among the segment's values of {@code key}:
   * (values below + half the values equal) / count. Falls back to all accounts when the segment
   * has none; NaN when there are no values at all.
   */
  public double percentile(String segment, String key, double value) {
    double[] sorted = valuesOf(segment == null ? "" : segment, key);
    if (sorted == null) {
      sorted = valuesOf(ALL, key);
    }
    if (sorted == null || sorted.length == 0) {
      return Double.NaN;
    }
    int below = lowerBound(sorted, value);
    int notAbove = upperBound(sorted, value);
    return (below + 0.5 * (notAbove - below)) / sorted.length;
  }

  private double[] valuesOf(String segment, String key) {
    Map<String, double[]> byKey = bySegment.get(segment);
    return byKey == null ? null : byKey.get(key);
  }

  /** First index whose value is not below {@code v}. */
  private static int lowerBound(double[] a, double v) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** First index whose value is above {@code v}. */
  private static int upperBound(double[] a, double v) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] <= v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
