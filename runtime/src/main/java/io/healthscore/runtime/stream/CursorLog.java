package io.healthscore.runtime.stream;

import java.util.List;

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
}
