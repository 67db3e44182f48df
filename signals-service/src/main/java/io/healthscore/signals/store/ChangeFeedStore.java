package io.healthscore.signals.store;

import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.SqlDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The change feed table. Cursors are assigned inside the inserting transaction from the table's
 * maximum; on PostgreSQL that transaction first takes an EXCLUSIVE table lock, so replicas sharing
 * the database append one at a time and a reader can never see cursor n+1 committed before n (the
 * gap a sequence would leave between concurrent writers). Readers are not blocked by the lock.
 *
 * <p>On H2 a commit is visible to other connections before its file sync ends (see DurableCommits):
 * a reader could hand out a cursor that a kill -9 then loses, and the next append would reuse it
 * (MAX + 1) for another change, which that reader's consumer would skip. So on H2 (one process per
 * database) reads stop at the last cursor whose append returned, i.e. whose commit was synced.
 */
public final class ChangeFeedStore {
  private final DataSource dataSource;
  private final boolean lockOnAppend;
  /**
   * Held from an append until its transaction commits, so that within this process cursors commit
   * in order (on PostgreSQL the table lock does the same across replicas).
   */
  private final ReentrantLock appendLock = new ReentrantLock();
  /** On H2, the greatest cursor known synced; readers see nothing beyond. Unbounded on PostgreSQL. */
  private final AtomicLong durableCursor = new AtomicLong(Long.MAX_VALUE);
  private final boolean boundReadsToDurable;

  public ChangeFeedStore(Database db) {
    this.dataSource = db.dataSource();
    this.lockOnAppend = db.dialect() == SqlDialect.POSTGRESQL;
    this.boundReadsToDurable = db.dialect() == SqlDialect.H2;
    if (boundReadsToDurable) {
      durableCursor.set(Sql.read(dataSource, ChangeFeedStore::lastCursor));
    }
  }

  /** Appends the changes in order, each with the next cursor; returns them as stored. */
  public List<ChangeEntry> append(List<PendingChange> changes, Instant changeTime) {
    if (changes.isEmpty()) {
      return List.of();
    }
    return withAppendLock(() -> Sql.inTransaction(dataSource, c -> append(c, changes, changeTime)));
  }

  /** What a write that records its own feed entries returns: its result and the entries. */
  public record Written<T>(T result, List<ChangeEntry> entries) {}

  /**
   * Runs {@code work} and, in the same transaction, appends one entry of {@code kind} for each
   * account id it returns: the data and its feed entries commit together or not at all, so a crash
   * can never keep the change and lose its entry.
   */
  <T> Written<T> inTransactionWithEntries(
      Sql.Work<T> work, Function<T, Collection<String>> changedAccounts, ChangeKind kind, Instant changeTime) {
    return withAppendLock(
        () ->
            Sql.inTransaction(
                dataSource,
                c -> {
                  T result = work.run(c);
                  List<PendingChange> changes = new ArrayList<>();
                  for (String account : new LinkedHashSet<>(changedAccounts.apply(result))) {
                    changes.add(new PendingChange(account, Set.of(kind), Set.of()));
                  }
                  List<ChangeEntry> entries = changes.isEmpty() ? List.of() : append(c, changes, changeTime);
                  return new Written<>(result, entries);
                }));
  }

  private <T> T withAppendLock(Supplier<T> append) {
    appendLock.lock();
    try {
      T result = append.get();
      if (boundReadsToDurable) {
        // The append's commit returned, so it is synced; no other append runs meanwhile.
        durableCursor.set(Sql.read(dataSource, ChangeFeedStore::lastCursor));
      }
      return result;
    } finally {
      appendLock.unlock();
    }
  }

  private List<ChangeEntry> append(Connection c, List<PendingChange> changes, Instant changeTime)
      throws SQLException {
    if (lockOnAppend) {
      try (Statement st = c.createStatement()) {
        st.execute("LOCK TABLE change_feed IN EXCLUSIVE MODE");
      }
    }
    long cursor = lastCursor(c);
    List<ChangeEntry> entries = new ArrayList<>(changes.size());
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO change_feed (feed_cursor, account_id, kinds, metrics, change_time_millis)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      for (PendingChange change : changes) {
        cursor++;
        List<String> metrics = List.copyOf(new TreeSet<>(change.metrics()));
        ps.setLong(1, cursor);
        ps.setString(2, change.accountId());
        ps.setInt(3, ChangeKind.toMask(change.kinds()));
        ps.setString(4, String.join(",", metrics));
        ps.setLong(5, changeTime.toEpochMilli());
        ps.addBatch();
        entries.add(new ChangeEntry(cursor, change.accountId(), change.kinds(), metrics, changeTime));
      }
      ps.executeBatch();
    }
    return entries;
  }

  /** The greatest cursor ever written (on H2: and synced) and still retained; 0 for an empty feed. */
  public long lastCursor() {
    long last = Sql.read(dataSource, ChangeFeedStore::lastCursor);
    return Math.min(last, durableCursor.get());
  }

  private static long lastCursor(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(feed_cursor), 0) FROM change_feed")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Entries with a cursor greater than {@code afterCursor}, in cursor order, at most {@code limit}. */
  public List<ChangeEntry> after(long afterCursor, int limit) {
    return Sql.read(
        dataSource,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT feed_cursor, account_id, kinds, metrics, change_time_millis FROM change_feed"
                      + " WHERE feed_cursor > ? AND feed_cursor <= ? ORDER BY feed_cursor LIMIT ?")) {
            ps.setLong(1, afterCursor);
            ps.setLong(2, durableCursor.get());
            ps.setInt(3, limit);
            List<ChangeEntry> entries = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                String metrics = rs.getString(4);
                entries.add(
                    new ChangeEntry(
                        rs.getLong(1),
                        rs.getString(2),
                        ChangeKind.fromMask(rs.getInt(3)),
                        metrics.isEmpty() ? List.of() : Arrays.asList(metrics.split(",")),
                        Instant.ofEpochMilli(rs.getLong(5))));
              }
            }
            return entries;
          }
        });
  }

  /**
   * Deletes entries recorded before {@code cutoff}, always keeping the newest one so that the next
   * cursor stays greater than every cursor ever handed out.
   */
  public int deleteBefore(Instant cutoff) {
    return Sql.inTransaction(
        dataSource,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "DELETE FROM change_feed WHERE change_time_millis < ?"
                      + " AND feed_cursor < (SELECT MAX(feed_cursor) FROM change_feed)")) {
            ps.setLong(1, cutoff.toEpochMilli());
            return ps.executeUpdate();
          }
        });
  }
}
