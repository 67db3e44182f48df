package io.healthscore.scoring.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.DatabaseException;
import io.healthscore.runtime.db.SqlDialect;
import io.healthscore.v1.ScoreChange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The table behind WatchScores: every material score change with a strictly increasing cursor.
 *
 * <p>Cursors come from the score_change_counter row, locked by the first append of a transaction
 * and held until it commits: appends of every replica sharing the database commit one after the
 * other, in cursor order, so a reader that saw cursor n and asks for "after n" can never miss a
 * change that commits later with a smaller cursor (a sequence, or MAX()+1 without the lock, would
 * allow exactly that between concurrent writers).
 *
 * <p>On H2 a commit is visible to other connections before its file sync ends (DurableCommits), so
 * a reader could send a cursor that a kill -9 then loses and the next append reuses. H2 has one
 * process per database, so there reads stop at the last cursor whose commit returned here. On
 * PostgreSQL a commit is durable when it becomes visible; {@link #refresh} picks up the changes
 * other replicas committed.
 */
public final class ScoreChangeLog {
  /** Writes inside a change transaction; {@link #append} assigns the cursor. */
  public interface Appender {
    /** Stores the change (its cursor field is ignored) and returns its cursor. */
    long append(ScoreChange change) throws SQLException;

    /**
     * Takes the counter lock now (the first append does otherwise), so that what the transaction
     * reads next cannot change under it by another replica's change transaction.
     */
    void lock() throws SQLException;
  }

  /** Work that logs changes and writes what goes with them in the same transaction. */
  @FunctionalInterface
  public interface ChangeWork<T> {
    T run(Connection connection, Appender appender) throws Exception;
  }

  private final Database database;
  private final boolean readsBoundedByCommit;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  /** Serialises this process's change transactions, so they queue here rather than on the row lock. */
  private final Object writeLock = new Object();
  /** The newest cursor known committed (on H2: committed here, hence synced). */
  private final AtomicLong lastCommitted = new AtomicLong();

  public ScoreChangeLog(Database database) {
    this.database = database;
    this.readsBoundedByCommit = database.dialect() == SqlDialect.H2;
    this.lastCommitted.set(counter());
  }

  /**
   * Runs {@code work} in one transaction, then wakes the watchers when it appended anything. The
   * counter row stays locked from the first append to the commit: keep the rest of the work short.
   */
  public <T> T commit(ChangeWork<T> work) {
    T result;
    long[] next = {-1};
    long[] first = {-1};
    synchronized (writeLock) {
      result =
          database.inTransaction(
              c -> {
                try (PreparedStatement insert =
                    c.prepareStatement(
                        "INSERT INTO score_changes (cursor_value, account_id, scorecard_id, change_time, body)"
                            + " VALUES (?, ?, ?, ?, ?)")) {
                  Appender appender =
                      new Appender() {
                        @Override
                        public void lock() throws SQLException {
                          if (next[0] < 0) {
                            next[0] = lockCounter(c);
                            first[0] = next[0];
                          }
                        }

                        @Override
                        public long append(ScoreChange change) throws SQLException {
                          lock();
                          long cursor = ++next[0];
                          insert.setLong(1, cursor);
                          insert.setString(2, change.getAccountId());
                          insert.setString(3, change.getScorecardId());
                          insert.setLong(4, toMillis(change));
                          insert.setBytes(5, change.toBuilder().clearCursor().build().toByteArray());
                          insert.addBatch();
                          return cursor;
                        }
                      };
                  T r = work.run(c, appender);
                  if (next[0] > first[0]) {
                    insert.executeBatch();
                    try (PreparedStatement advance =
                        c.prepareStatement("UPDATE score_change_counter SET last_cursor = ? WHERE counter_id = 1")) {
                      advance.setLong(1, next[0]);
                      advance.executeUpdate();
                    }
                  }
                  return r;
                }
              });
    }
    if (next[0] > first[0]) {
      lastCommitted.accumulateAndGet(next[0], Math::max);
      listeners.forEach(Runnable::run);
    }
    return result;
  }

  private static long lockCounter(Connection c) throws SQLException {
    try (PreparedStatement s =
            c.prepareStatement("SELECT last_cursor FROM score_change_counter WHERE counter_id = 1 FOR UPDATE");
        ResultSet rs = s.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("score_change_counter has no row; was the scoring schema migrated?");
      }
      return rs.getLong(1);
    }
  }

  private long counter() {
    return database.inTransaction(
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement("SELECT last_cursor FROM score_change_counter WHERE counter_id = 1");
              ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0L;
          }
        });
  }

  /**
   * Learns of changes other replicas committed (PostgreSQL) and wakes the watchers when there are
   * any; returns whether there were. On H2 the only writer is this process: nothing to learn.
   */
  public boolean refresh() {
    if (readsBoundedByCommit) {
      return false;
    }
    long committed = counter();
    if (committed > lastCommitted.getAndAccumulate(committed, Math::max)) {
      listeners.forEach(Runnable::run);
      return true;
    }
    return false;
  }

  /** The cursor of the newest committed change known here; 0 when there is none. */
  public long lastCursor() {
    return lastCommitted.get();
  }

  /** Up to {@code limit} changes after {@code afterCursor}, oldest first, cursors set. */
  public List<ScoreChange> read(long afterCursor, int limit) {
    return database.inTransaction(
        c -> {
          List<ScoreChange> result = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT cursor_value, body FROM score_changes WHERE cursor_value > ? AND cursor_value <= ?"
                      + " ORDER BY cursor_value LIMIT " + limit)) {
            s.setLong(1, afterCursor);
            s.setLong(2, readsBoundedByCommit ? lastCommitted.get() : Long.MAX_VALUE);
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
   * Deletes changes older than {@code beforeMillis}, always keeping the newest one (the counter
   * row keeps cursors increasing; the newest change shows a reader where the log stands). Returns
   * how many were deleted.
   */
  public int prune(long beforeMillis) {
    return database.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM score_changes WHERE change_time < ?"
                      + " AND cursor_value < (SELECT MAX(cursor_value) FROM score_changes)")) {
            s.setLong(1, beforeMillis);
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
