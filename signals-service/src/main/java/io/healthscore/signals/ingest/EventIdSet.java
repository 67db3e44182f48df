package io.healthscore.signals.ingest;

/**
 * Event ids not yet visible in the {@link EventIdStore}: those first seen in one group of batches,
 * so that a repeat within the group or in a batch looked up before the store had them is a
 * duplicate ({@link DedupWindow}). An open-addressing hash set of
 * 128-bit entries in one {@code long[]} (no object per id), probed linearly. The entries are keyed
 * hashes, so crafted ids cannot make the probes long. Not thread-safe.
 */
final class EventIdSet {
  private static final int MIN_CAPACITY = 1 << 10;

  private long[] slots;
  private int capacity;
  private int size;

  EventIdSet() {
    capacity = MIN_CAPACITY;
    slots = new long[capacity * 2];
  }

  /**
   * Adds the id hashed as ({@code hashHigh}, {@code hashLow}) unless present, comparing the 111 bits
   * the store keeps ({@link EventIdStore#key}).
   *
   * @return true if added, false if the id was already in the set
   */
  boolean add(long hashHigh, long hashLow) {
    if (size >= capacity / 4 * 3) {
      grow();
    }
    return insert(hashHigh | 1L, hashLow & EventIdStore.LOW_BITS);
  }

  /** Whether the id hashed as ({@code hashHigh}, {@code hashLow}) is in the set. */
  boolean contains(long hashHigh, long hashLow) {
    long high = hashHigh | 1L;
    long low = hashLow & EventIdStore.LOW_BITS;
    int i = (int) (((high >>> 32) * capacity) >>> 32);
    while (true) {
      long h = slots[2 * i];
      if (h == 0) {
        return false;
      }
      if (h == high && slots[2 * i + 1] == low) {
        return true;
      }
      i = i + 1 == capacity ? 0 : i + 1;
    }
  }

  int size() {
    return size;
  }

  private boolean insert(long high, long low) {
    int i = (int) (((high >>> 32) * capacity) >>> 32); // Lemire's range reduction: any capacity
    while (true) {
      long h = slots[2 * i];
      if (h == 0) {
        slots[2 * i] = high;
        slots[2 * i + 1] = low;
        size++;
        return true;
      }
      if (h == high && slots[2 * i + 1] == low) {
        return false;
      }
      i = i + 1 == capacity ? 0 : i + 1;
    }
  }

  private void grow() {
    long[] old = slots;
    capacity *= 2;
    slots = new long[capacity * 2];
    size = 0;
    for (int i = 0; i < old.length; i += 2) {
      if (old[i] != 0) {
        insert(old[i], old[i + 1]);
      }
    }
  }
}
