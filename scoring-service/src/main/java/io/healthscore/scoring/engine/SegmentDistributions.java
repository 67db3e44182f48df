package io.healthscore.scoring.engine;

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
