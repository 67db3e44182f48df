package io.healthscore.signals.ingest;

/**
 * The remembered event ids: an open-addressing hash set of 128-bit entries in one {@code long[]}
 * (16 bytes per slot, no object per id), probed linearly.
 *
 * <p>An entry is the id's 128-bit hash with two changes: bit 0 of the high word is forced to 1 (so
 * that an all-zero slot means empty) and the top 16 bits of the low word carry the ingestion day
 * (epoch day modulo 65536) used for expiry. 111 hash bits remain: among n ids the chance that any two
 * collide is about n^2 / 2^112, 2e-16 for a billion ids.
 *
 * <p>The table grows by half when three quarters full, so it stays between half and three quarters
 * full: 21 to 32 bytes per id, about 2 to 3 GiB for 100 million ids. Not thread-safe.
 */
final class EventIdSet {
  static final long HASH_BITS_OF_LOW = (1L << 48) - 1;
  private static final int DAY_SHIFT = 48;
  private static final int MIN_CAPACITY = 1 << 12;
  /** Largest slot count a long[] can hold (two longs per slot). */
  private static final int MAX_CAPACITY = (Integer.MAX_VALUE - 8) / 2;

  private long[] slots;
  private int capacity;
  private int size;
  private int oldestDay = Integer.MAX_VALUE;

  EventIdSet() {
    this(MIN_CAPACITY);
  }

  EventIdSet(int expectedIds) {
    capacity = Math.max(MIN_CAPACITY, (int) Math.min(MAX_CAPACITY, expectedIds * 4L / 3 + 1));
    slots = new long[capacity * 2];
  }

  /** Builds the stored form of an id hashed by {@link SignalHashing#hash128} on {@code epochDay}. */
  static long high(long hashHigh) {
    return hashHigh | 1L;
  }

  static long low(long hashLow, long epochDay) {
    return (hashLow & HASH_BITS_OF_LOW) | ((epochDay & 0xFFFF) << DAY_SHIFT);
  }

  static int day(long low) {
    return (int) (low >>> DAY_SHIFT);
  }

  /**
   * Adds the entry unless an entry with the same hash is present (whatever its day).
   *
   * @return true if added, false if the id was already remembered
   */
  boolean add(long high, long low) {
    if (size >= capacity / 4 * 3) {
      grow();
    }
    long hashOfLow = low & HASH_BITS_OF_LOW;
    int i = indexOf(high);
    while (true) {
      long h = slots[2 * i];
      if (h == 0) {
        slots[2 * i] = high;
        slots[2 * i + 1] = low;
        size++;
        oldestDay = Math.min(oldestDay, day(low));
        return true;
      }
      if (h == high && (slots[2 * i + 1] & HASH_BITS_OF_LOW) == hashOfLow) {
        return false;
      }
      i = i + 1 == capacity ? 0 : i + 1;
    }
  }

  boolean contains(long high, long low) {
    long hashOfLow = low & HASH_BITS_OF_LOW;
    int i = indexOf(high);
    while (true) {
      long h = slots[2 * i];
      if (h == 0) {
        return false;
      }
      if (h == high && (slots[2 * i + 1] & HASH_BITS_OF_LOW) == hashOfLow) {
        return true;
      }
      i = i + 1 == capacity ? 0 : i + 1;
    }
  }

  int size() {
    return size;
  }

  /**
   * Forgets ids ingested more than {@code retentionDays} before {@code today}. Rebuilds the table
   * (briefly doubling its memory) only when some entry is old enough.
   */
  void expire(long today, int retentionDays) {
    if (size == 0 || age(today, oldestDay) <= retentionDays) {
      return;
    }
    long[] old = slots;
    int survivors = 0;
    for (int i = 0; i < old.length; i += 2) {
      if (old[i] != 0 && age(today, day(old[i + 1])) <= retentionDays) {
        survivors++;
      }
    }
    capacity = Math.max(MIN_CAPACITY, (int) Math.min(MAX_CAPACITY, survivors * 3L / 2 + 1));
    slots = new long[capacity * 2];
    size = 0;
    oldestDay = Integer.MAX_VALUE;
    for (int i = 0; i < old.length; i += 2) {
      if (old[i] != 0 && age(today, day(old[i + 1])) <= retentionDays) {
        add(old[i], old[i + 1]);
      }
    }
  }

  /** Days between an entry's day (modulo 65536) and today. */
  static int age(long today, int storedDay) {
    return (int) ((today - storedDay) & 0xFFFF);
  }

  private int indexOf(long high) {
    // Lemire's multiply-shift range reduction on the top 32 bits: no division, any capacity.
    return (int) (((high >>> 32) * capacity) >>> 32);
  }

  private void grow() {
    if (capacity == MAX_CAPACITY) {
      throw new IllegalStateException("event id index is full (" + size + " ids): lower the retention");
    }
    long[] old = slots;
    capacity = (int) Math.min(MAX_CAPACITY, capacity * 3L / 2);
    slots = new long[capacity * 2];
    size = 0;
    for (int i = 0; i < old.length; i += 2) {
      if (old[i] != 0) {
        add(old[i], old[i + 1]);
      }
    }
  }
}
