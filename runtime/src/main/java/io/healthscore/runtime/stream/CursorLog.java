package io.healthscore.runtime.stream;

import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * A stored log of entries with strictly increasing cursors, as the resumable streams read it. The
 * log must make an entry visible before any entry with a greater cursor, so a reader that has seen
 * cursor n never later finds an entry below n (each service's log says how it ensures this).
 */
public interface CursorLog<E> {
  /** Up to {@code limit} entries after {@code cursor}, in cursor order. */
  List<E> after(long cursor, int limit);

  /** The cursor of {@code entry}. */
  long cursorOf(E entry);

  /**
   * A cheap upper bound of the newest cursor (kept in memory), so a stream that has sent it skips
   * the read; the default, "unknown", always reads.
   */
  default long lastCursor() {
    return Long.MAX_VALUE;
  }

  /** Reads a page of entries after a cursor, as {@link #after}. */
  @FunctionalInterface
  interface Reader<E> {
    List<E> after(long cursor, int limit);
  }

  /** A log made of a store's read, the entries' cursor and an in-memory newest cursor. */
  static <E> CursorLog<E> of(Reader<E> reader, ToLongFunction<E> cursorOf, LongSupplier lastCursor) {
    return new CursorLog<>() {
      @Override
      public List<E> after(long cursor, int limit) {
        return reader.after(cursor, limit);
      }

      @Override
      public long cursorOf(E entry) {
        return cursorOf.applyAsLong(entry);
      }

      @Override
      public long lastCursor() {
        return lastCursor.getAsLong();
      }
    };
  }
}
