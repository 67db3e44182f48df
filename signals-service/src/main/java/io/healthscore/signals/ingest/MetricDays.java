package io.healthscore.signals.ingest;

import java.util.Arrays;

/**
 * The rollups of one account and metric in one checkpoint interval, sorted by day. A lookup is a
 * binary search (a backfill brings hundreds of days of a metric into one interval), after a check
 * of the day found last, since a producer's signals of a metric tend to come day by day.
 */
final class MetricDays {
  final String metric;
  private HotRollup[] days = new HotRollup[2];
  private int size;
  private int last;

  MetricDays(String metric) {
    this.metric = metric;
  }

  int size() {
    return size;
  }

  /** The i-th rollup by day. */
  HotRollup get(int i) {
    return days[i];
  }

  /** The rollup of {@code epochDay}, or null. */
  HotRollup find(long epochDay) {
    int i = indexOf(epochDay);
    return i >= 0 ? days[i] : null;
  }

  /** The rollup of {@code epochDay}, created empty if there is none yet. */
  HotRollup getOrAdd(long epochDay) {
    int i = indexOf(epochDay);
    if (i >= 0) {
      return days[i];
    }
    int at = -i - 1;
    if (size == days.length) {
      days = Arrays.copyOf(days, size * 2);
    }
    System.arraycopy(days, at, days, at + 1, size - at);
    HotRollup rollup = new HotRollup(metric, epochDay);
    days[at] = rollup;
    size++;
    last = at;
    return rollup;
  }

  /** The index of the day's rollup, or -(insertion point) - 1. */
  private int indexOf(long epochDay) {
    if (last < size && days[last].epochDay == epochDay) {
      return last;
    }
    int low = 0;
    int high = size - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      long d = days[mid].epochDay;
      if (d < epochDay) {
        low = mid + 1;
      } else if (d > epochDay) {
        high = mid - 1;
      } else {
        last = mid;
        return mid;
      }
    }
    return -low - 1;
  }
}
