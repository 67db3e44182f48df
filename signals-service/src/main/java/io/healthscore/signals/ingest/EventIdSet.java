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
 * full: 21 to 32 bytes per id, about 2 to 3 GiB for 100 million ids. It holds at most {@code maxIds}
 * (the engine's share of the memory budget): {@link #reserve} tells the writer whether a batch still
 * fits, and a table that cannot grow (the limit, or no memory for the larger array) keeps working at
 * a higher load instead of failing. Not thread-safe.
 */
final class EventIdSet {
  static final long HASH_BITS_OF_LOW = (1L << 48) - 1;
  private static final int DAY_SHIFT = 48;
  private static final int MIN_CAPACITY = 1 << 12;
  /** Largest slot count a long[] can hold (two longs per slot). */
  private static final int MAX_CAPACITY = (Integer.MAX_VALUE - 8) / 2;

  /** Most ids a table can hold at all: three quarters of the largest capacity. */
  static final long MAX_IDS = MAX_CAPACITY / 4L * 3;

  private final long maxIds;
  private long[] slots;
  private int capacity;
  private int size;
  private int oldestDay = Integer.MAX_VALUE;

  EventIdSet() {
    this(MAX_IDS);
  }

  /** A set that {@link #reserve} keeps to at most {@code maxIds} ids. */
  EventIdSet(long maxIds) {
    this.maxIds = Math.max(1, Math.min(MAX_IDS, maxIds));
    capacity = MIN_CAPACITY;
    slots = new long[capacity * 2];
  }

  /**
   * Makes room for {@code more} ids, growing the table if needed. False when that would pass
   * {@code maxIds} or the larger table cannot be allocated: the caller refuses the batch (and
   * retries after expiry or a restart with a larger budget) rather than failing.
   */
  boolean reserve(int more) {
    long needed = (long) size + more;
    if (needed > maxIds) {
      return false;
    }
    while (needed > capacity / 4L * 3) {
      if (!grow()) {
        return false;
      }
    }
    return true;
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
    if (size >= capacity / 4 * 3 && !grow() && size >= capacity - 1) {
      // Only reachable by loading more ids than memory allows; one slot stays empty so probes end.
      throw new IllegalStateException("event id index cannot hold more than " + size + " ids");
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

  /** Grows by half; false (table unchanged) at the largest capacity or when memory is short. */
  private boolean grow() {
    if (capacity == MAX_CAPACITY) {
      return false;
    }
    int larger = (int) Math.min(MAX_CAPACITY, capacity * 3L / 2);
    long[] old = slots;
    try {
      slots = new long[larger * 2];
    } catch (OutOfMemoryError e) {
      return false; // nothing changed yet; the heap is as it was before the attempt
    }
    capacity = larger;
    size = 0;
    for (int i = 0; i < old.length; i += 2) {
      if (old[i] != 0) {
        add(old[i], old[i + 1]);
      }
    }
    return true;
  }
}
