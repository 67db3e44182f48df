package io.healthscore.scoring.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.DatabaseException;
import io.healthscore.v1.ScoreChange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The table behind WatchScores: every material score change with a strictly increasing cursor.
 *
 * <p>Cursors are handed out and committed under one lock, so a change with cursor n is visible
 * before cursor n+1 exists: a reader that saw cursor n and asks for "after n" can never miss a
 * change that commits later with a smaller cursor. This makes one process the writer of a store;
 * replicas sharing PostgreSQL must not score the same store concurrently (see docs).
 */
public final class ScoreChangeLog {
  /** Writes inside a change transaction; {@link #append} assigns the cursor. */
  public interface Appender {
    /** Stores the change (its cursor field is ignored) and returns its cursor. */
    long append(ScoreChange change) throws SQLException;
  }

  /** Work that logs changes and writes what goes with them in the same transaction. */
  @FunctionalInterface
  public interface ChangeWork<T> {
    T run(Connection connection, Appender appender) throws Exception;
  }

  private final Database database;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final Object writeLock = new Object();
  private volatile long lastCommitted;

  public ScoreChangeLog(Database database) {
    this.database = database;
    this.lastCommitted =
        database.inTransaction(
            c -> {
              try (PreparedStatement s = c.prepareStatement("SELECT MAX(cursor_value) FROM score_changes");
                  ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
              }
            });
  }

  /**
   * Runs {@code work} in one transaction holding the write lock, then wakes the watchers when it
   * appended anything.
   */
  public <T> T commit(ChangeWork<T> work) {
    T result;
    long before;
    long[] next = new long[1];
    synchronized (writeLock) {
      before = lastCommitted;
      next[0] = before;
      result =
          database.inTransaction(
              c -> {
                try (PreparedStatement insert =
                    c.prepareStatement(
                        "INSERT INTO score_changes (cursor_value, account_id, scorecard_id, change_time, body)"
                            + " VALUES (?, ?, ?, ?, ?)")) {
                  Appender appender =
                      change -> {
                        long cursor = ++next[0];
                        insert.setLong(1, cursor);
                        insert.setString(2, change.getAccountId());
                        insert.setString(3, change.getScorecardId());
                        insert.setLong(4, toMillis(change));
                        insert.setBytes(5, change.toBuilder().clearCursor().build().toByteArray());
                        insert.addBatch();
                        return cursor;
                      };
                  T r = work.run(c, appender);
                  if (next[0] > before) {
                    insert.executeBatch();
                  }
                  return r;
                }
              });
      lastCommitted = next[0];
    }
    if (next[0] > before) {
      listeners.forEach(Runnable::run);
    }
    return result;
  }

  /** The cursor of the newest committed change; 0 when there is none. */
  public long lastCursor() {
    return lastCommitted;
  }

  /** Up to {@code limit} changes after {@code afterCursor}, oldest first, cursors set. */
  public List<ScoreChange> read(long afterCursor, int limit) {
    return database.inTransaction(
        c -> {
          List<ScoreChange> result = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT cursor_value, body FROM score_changes WHERE cursor_value > ?"
                      + " ORDER BY cursor_value LIMIT " + limit)) {
            s.setLong(1, afterCursor);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                result.add(parse(rs.getBytes(2)).toBuilder().setCursor(rs.getLong(1)).build());
              }
            }
          }
          return result;
        });
  }

  /** Called after every commit that appended changes (from the committing thread). */
  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  public void removeListener(Runnable listener) {
    listeners.remove(listener);
  }

  /**
   * Deletes changes older than {@code beforeMillis}, always keeping the newest one so the cursor
   * keeps increasing after a restart. Returns how many were deleted.
   */
  public int prune(long beforeMillis) {
    return database.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM score_changes WHERE change_time < ? AND cursor_value < ?")) {
            s.setLong(1, beforeMillis);
            s.setLong(2, lastCommitted);
            return s.executeUpdate();
          }
        });
  }

  private static long toMillis(ScoreChange change) {
    return change.getChangeTime().getSeconds() * 1000 + change.getChangeTime().getNanos() / 1_000_000;
  }

  private static ScoreChange parse(byte[] body) {
    try {
      return ScoreChange.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new DatabaseException("stored score change is corrupt", e);
    }
  }
}
