package io.healthscore.signals.ingest;

import java.util.Arrays;

/** A small open-addressing set of non-zero longs (user hashes of one rollup), without boxing. */
final class LongHashSet {
  private long[] slots = new long[8];
  private int size;

  /** @return true if {@code value} (never 0) was not yet present */
  boolean add(long value) {
    if (size * 2 >= slots.length) {
      grow();
    }
    return insert(slots, value);
  }

  void addAll(LongHashSet other) {
    for (long v : other.slots) {
      if (v != 0) {
        add(v);
      }
    }
  }

  /** @return true if {@code value} was present (and is now removed) */
  boolean remove(long value) {
    int mask = slots.length - 1;
    int i = spread(value) & mask;
    while (slots[i] != value) {
      if (slots[i] == 0) {
        return false;
      }
      i = (i + 1) & mask;
    }
    slots[i] = 0;
    size--;
    // Backward-shift the rest of the run so that later probes still find every value.
    for (int j = (i + 1) & mask; slots[j] != 0; j = (j + 1) & mask) {
      int home = spread(slots[j]) & mask;
      boolean homeOutsideGap = i <= j ? (home <= i || home > j) : (home <= i && home > j);
      if (homeOutsideGap) {
        slots[i] = slots[j];
        slots[j] = 0;
        i = j;
      }
    }
    return true;
  }

  boolean contains(long value) {
    int mask = slots.length - 1;
    for (int i = spread(value) & mask; ; i = (i + 1) & mask) {
      if (slots[i] == value) {
        return true;
      }
      if (slots[i] == 0) {
        return false;
      }
    }
  }

  int size() {
    return size;
  }

  /** The values, in no particular order. */
  long[] toArray() {
    long[] values = new long[size];
    int n = 0;
    for (long v : slots) {
      if (v != 0) {
        values[n++] = v;
      }
    }
    return values;
  }

  LongHashSet copy() {
    LongHashSet copy = new LongHashSet();
    copy.slots = Arrays.copyOf(slots, slots.length);
    copy.size = size;
    return copy;
  }

  private boolean insert(long[] table, long value) {
    int mask = table.length - 1;
    for (int i = spread(value) & mask; ; i = (i + 1) & mask) {
      if (table[i] == value) {
        return false;
      }
      if (table[i] == 0) {
        table[i] = value;
        size++;
        return true;
      }
    }
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    size = 0;
    for (long v : old) {
      if (v != 0) {
        insert(slots, v);
      }
    }
  }

  private static int spread(long value) {
    return (int) (value ^ (value >>> 32));
  }
}
