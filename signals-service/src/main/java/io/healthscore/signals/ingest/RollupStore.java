package io.healthscore.signals.ingest;

import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.DatabaseException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The checkpointed rollups in SQL (H2 or PostgreSQL). A checkpoint merges in-memory deltas into the
 * stored rows with standard MERGE statements (arithmetic in SQL, so nothing is read back first) and
 * records where log replay must start, all in one transaction.
 */
final class RollupStore {
  static final String MIGRATIONS = "db/signals-ingest";
  static final String MIGRATION_OWNER = "signals-ingest";
  private static final int BATCH = 1_000;
  private static final String KEYED_HASH = "siphash-2-4";
  private static final String LEGACY_HASH = "legacy";

  private static final String MERGE_ROLLUP =
      "MERGE INTO ingest_rollups t USING (VALUES (CAST(? AS VARCHAR), CAST(? AS VARCHAR),"
          + " CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION),"
          + " CAST(? AS DOUBLE PRECISION), CAST(? AS DOUBLE PRECISION), CAST(? AS DOUBLE PRECISION),"
          + " CAST(? AS VARCHAR), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT),"
          + " CAST(? AS BYTEA), CAST(? AS BIGINT)))"
          + " s (account_id, metric, epoch_day, signal_count, numeric_count, value_sum, value_min,"
          + " value_max, last_value, last_label, first_at_millis, last_at_millis, distinct_users,"
          + " user_hashes, checkpoint_id)"
          + " ON t.account_id = s.account_id AND t.metric = s.metric AND t.epoch_day = s.epoch_day"
          + " WHEN MATCHED THEN UPDATE SET"
          + " value_min = CASE WHEN s.numeric_count = 0 THEN t.value_min"
          + "   WHEN t.numeric_count = 0 THEN s.value_min ELSE LEAST(t.value_min, s.value_min) END,"
          + " value_max = CASE WHEN s.numeric_count = 0 THEN t.value_max"
          + "   WHEN t.numeric_count = 0 THEN s.value_max ELSE GREATEST(t.value_max, s.value_max) END,"
          + " signal_count = t.signal_count + s.signal_count,"
          + " numeric_count = t.numeric_count + s.numeric_count,"
          + " value_sum = t.value_sum + s.value_sum,"
          + " last_value = CASE WHEN s.last_at_millis >= t.last_at_millis THEN s.last_value"
          + "   ELSE t.last_value END,"
          + " last_label = CASE WHEN s.last_at_millis >= t.last_at_millis THEN s.last_label"
          + "   ELSE t.last_label END,"
          + " first_at_millis = LEAST(t.first_at_millis, s.first_at_millis),"
          + " last_at_millis = GREATEST(t.last_at_millis, s.last_at_millis),"
          + " distinct_users = CASE WHEN s.user_hashes IS NULL THEN t.distinct_users"
          + "   ELSE s.distinct_users END,"
          + " user_hashes = COALESCE(s.user_hashes, t.user_hashes),"
          + " checkpoint_id = s.checkpoint_id"
          + " WHEN NOT MATCHED THEN INSERT (account_id, metric, epoch_day, signal_count, numeric_count,"
          + " value_sum, value_min, value_max, last_value, last_label, first_at_millis, last_at_millis,"
          + " distinct_users, user_hashes, checkpoint_id) VALUES (s.account_id, s.metric, s.epoch_day,"
          + " s.signal_count, s.numeric_count, s.value_sum, s.value_min, s.value_max, s.last_value,"
          + " s.last_label, s.first_at_millis, s.last_at_millis, COALESCE(s.distinct_users, 0),"
          + " s.user_hashes, s.checkpoint_id)";

  private static final String SELECT_ROLLUPS =
      "SELECT metric, epoch_day, signal_count, numeric_count, value_sum, value_min, value_max,"
          + " last_value, last_label, first_at_millis, last_at_millis, distinct_users, checkpoint_id,"
          + " CASE WHEN epoch_day >= ? THEN user_hashes END"
          + " FROM ingest_rollups WHERE account_id = ? AND epoch_day >= ? AND epoch_day < ?";

  private static final String SELECT_USERS =
      "SELECT user_hashes FROM ingest_rollups WHERE account_id = ? AND metric = ? AND epoch_day = ?";

  /** Stored user sets are loaded this many rollups per query. */
  private static final int USERS_PER_QUERY = 100;

  private static final String SELECT_USERS_OF_MANY =
      "SELECT account_id, metric, epoch_day, user_hashes FROM ingest_rollups"
          + " WHERE (account_id, metric, epoch_day) IN ("
          + String.join(", ", Collections.nCopies(USERS_PER_QUERY, "(?, ?, ?)")) + ")";

  /** Where recovery starts: after checkpoint {@code checkpointId}, at log segment {@code replayFromSegment}. */
  record Checkpoint(long checkpointId, long replayFromSegment) {}

  /** A stored row's key within an account. */
  record Key(String metric, long epochDay) {}

  /** A stored row's key. */
  record AccountKey(String accountId, String metric, long epochDay) {}

  /**
   * What a checkpoint wrote: the rollups the database refused, and the rollups whose merged user
   * set reached the size asked for (so that {@link IngestLimits} follows them exactly).
   */
  record Written(List<RefusedRollup> refused, List<AccountKey> largeUserSets) {}

  private final Database db;

  RollupStore(Database db) {
    this.db = db;
  }

  void migrate() {
    db.migrate(MIGRATIONS, MIGRATION_OWNER);
  }

  /**
   * The store's id hashing: the keyed hash whose random key was created at the store's first start,
   * or, for a store that already holds hashes from before keys existed ({@code holdsLegacyHashes}
   * and no key recorded), the fixed hash those were made with.
   */
  SignalHashing hashing(boolean holdsLegacyHashes) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement("SELECT algorithm, key0, key1 FROM ingest_hash_key WHERE id = 1");
              ResultSet rs = s.executeQuery()) {
            if (rs.next()) {
              return rs.getString(1).equals(LEGACY_HASH)
                  ? SignalHashing.legacyUnkeyed()
                  : SignalHashing.keyed(rs.getLong(2), rs.getLong(3));
            }
          }
          boolean legacy = holdsLegacyHashes || hasRollups(c);
          SecureRandom random = new SecureRandom();
          long k0 = legacy ? 0 : random.nextLong();
          long k1 = legacy ? 0 : random.nextLong();
          try (PreparedStatement s =
              c.prepareStatement("INSERT INTO ingest_hash_key (id, algorithm, key0, key1) VALUES (1, ?, ?, ?)")) {
            s.setString(1, legacy ? LEGACY_HASH : KEYED_HASH);
            s.setLong(2, k0);
            s.setLong(3, k1);
            s.executeUpdate();
          }
          return legacy ? SignalHashing.legacyUnkeyed() : SignalHashing.keyed(k0, k1);
        });
  }

  private static boolean hasRollups(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM ingest_rollups FETCH FIRST 1 ROWS ONLY");
        ResultSet rs = s.executeQuery()) {
      return rs.next();
    }
  }

  Checkpoint lastCheckpoint() {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT checkpoint_id, replay_from_segment FROM ingest_checkpoint WHERE id = 1");
              ResultSet rs = s.executeQuery()) {
            if (!rs.next()) {
              throw new IllegalStateException("ingest_checkpoint has no row: migration incomplete");
            }
            return new Checkpoint(rs.getLong(1), rs.getLong(2));
          }
        });
  }

  /** A rollup the database refused to store (a value it cannot hold), left out of its checkpoint. */
  record RefusedRollup(String accountId, String metric, long epochDay, String reason) {}

  /** One rollup of a checkpoint with its merged user set, ready to bind. */
  private record Row(String accountId, HotRollup rollup, LongHashSet users, long checkpointId) {}

  /**
   * Merges {@code deltas} (oldest first) into the stored rollups and records {@code checkpoint},
   * durably, in one transaction. User sets are read, merged in memory and written back whole, so a
   * checkpoint writes one row per changed rollup however many users it saw.
   *
   * <p>Rows go in chunks of at most {@value #BATCH}, {@value #USERS_PER_QUERY} of them with users,
   * so a checkpoint holds the stored user sets of one chunk at a time, not of every rollup it writes.
   *
   * <p>A row the database refuses (a data error such as a value it cannot encode) must not block
   * every later checkpoint: when the fast path fails, the checkpoint is written again with each
   * part of the batch under a savepoint, halving failing parts down to single rows; rows refused on
   * their own are left out and returned, everything else commits.
   *
   * @return the refused rollups, usually none
   */
  Written write(List<RollupDelta> deltas, Checkpoint checkpoint, int largeUserSet) {
    try {
      return write(deltas, checkpoint, largeUserSet, false);
    } catch (DatabaseException e) {
      if (!(e.getCause() instanceof SQLException)) {
        throw e;
      }
      return write(deltas, checkpoint, largeUserSet, true);
    }
  }

  private Written write(List<RollupDelta> deltas, Checkpoint checkpoint, int largeUserSet, boolean isolate) {
    return db.inTransaction(
        c -> {
          List<RefusedRollup> refused = new ArrayList<>();
          List<AccountKey> large = new ArrayList<>();
          try (PreparedStatement merge = c.prepareStatement(MERGE_ROLLUP);
              PreparedStatement users = c.prepareStatement(SELECT_USERS_OF_MANY)) {
            for (RollupDelta delta : deltas) {
              List<Row> rows = new ArrayList<>(delta.rollupCount());
              delta.forEach((account, r) -> rows.add(new Row(account, r, null, delta.checkpointId)));
              // A chunk at a time, so that only its stored user sets are in memory; a later delta's
              // chunk reads what this transaction already merged.
              int from = 0;
              while (from < rows.size()) {
                int to = chunkEnd(rows, from);
                List<Row> chunk = withMergedUsers(users, rows.subList(from, to));
                for (Row row : chunk) {
                  if (row.users() != null && row.users().size() >= largeUserSet) {
                    large.add(new AccountKey(row.accountId(), row.rollup().metric, row.rollup().epochDay));
                  }
                }
                if (isolate) {
                  mergeIsolating(c, merge, chunk, 0, chunk.size(), refused);
                } else {
                  mergeBatch(merge, chunk, 0, chunk.size());
                }
                from = to;
              }
            }
          }
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE ingest_checkpoint SET checkpoint_id = ?, replay_from_segment = ? WHERE id = 1")) {
            s.setLong(1, checkpoint.checkpointId());
            s.setLong(2, checkpoint.replayFromSegment());
            s.executeUpdate();
          }
          return new Written(refused, large);
        });
  }

  /** The end of the chunk from {@code from}: {@value #BATCH} rows, of which at most {@value #USERS_PER_QUERY} have users. */
  private static int chunkEnd(List<Row> rows, int from) {
    int withUsers = 0;
    int i = from;
    while (i < rows.size() && i - from < BATCH && withUsers < USERS_PER_QUERY) {
      if (rows.get(i).rollup().users != null) {
        withUsers++;
      }
      i++;
    }
    return i;
  }

  /** The rows with their user sets merged into the stored ones (read in one query). */
  private static List<Row> withMergedUsers(PreparedStatement query, List<Row> rows) throws SQLException {
    List<AccountKey> keys = new ArrayList<>();
    for (Row row : rows) {
      if (row.rollup().users != null) {
        keys.add(new AccountKey(row.accountId(), row.rollup().metric, row.rollup().epochDay));
      }
    }
    Map<AccountKey, LongHashSet> stored = storedUsers(query, keys);
    List<Row> merged = new ArrayList<>(rows.size());
    for (Row row : rows) {
      HotRollup r = row.rollup();
      LongHashSet users = null;
      if (r.users != null) {
        users = stored.getOrDefault(new AccountKey(row.accountId(), r.metric, r.epochDay), new LongHashSet());
        users.addAll(r.users);
      }
      merged.add(new Row(row.accountId(), r, users, row.checkpointId()));
    }
    return merged;
  }

  private static void mergeBatch(PreparedStatement merge, List<Row> rows, int from, int to)
      throws SQLException {
    for (int i = from; i < to; i++) {
      Row row = rows.get(i);
      bindRollup(merge, row.accountId(), row.rollup(), row.users(), row.checkpointId());
      merge.addBatch();
    }
    merge.executeBatch();
  }

  /** Merges rows [from, to) under a savepoint; on a data error, halves the range down to single rows. */
  private static void mergeIsolating(
      Connection c, PreparedStatement merge, List<Row> rows, int from, int to, List<RefusedRollup> refused)
      throws SQLException {
    Savepoint savepoint = c.setSavepoint();
    try {
      mergeBatch(merge, rows, from, to);
      c.releaseSavepoint(savepoint);
      return;
    } catch (SQLException e) {
      merge.clearBatch();
      c.rollback(savepoint);
      if (!isDataError(e)) {
        throw e;
      }
      if (to - from == 1) {
        Row row = rows.get(from);
        refused.add(
            new RefusedRollup(row.accountId(), row.rollup().metric, row.rollup().epochDay, firstMessage(e)));
        return;
      }
    }
    int middle = (from + to) >>> 1;
    mergeIsolating(c, merge, rows, from, middle, refused);
    mergeIsolating(c, merge, rows, middle, to, refused);
  }

  /** SQLSTATE class 22 (data exception) or 23 (integrity constraint), here or in a batch's chain. */
  private static boolean isDataError(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      String state = x.getSQLState();
      if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
        return true;
      }
    }
    return false;
  }

  private static String firstMessage(SQLException e) {
    SQLException next = e.getNextException();
    return String.valueOf(next != null ? next.getMessage() : e.getMessage());
  }

  /** The stored user sets of {@code keys} (at most {@value #USERS_PER_QUERY}), by key; absent when none. */
  private static Map<AccountKey, LongHashSet> storedUsers(PreparedStatement query, List<AccountKey> keys)
      throws SQLException {
    Map<AccountKey, LongHashSet> users = new HashMap<>();
    if (keys.isEmpty()) {
      return users;
    }
    for (int i = 0; i < USERS_PER_QUERY; i++) {
      // A short list repeats its last key to fill the fixed statement.
      AccountKey k = keys.get(Math.min(i, keys.size() - 1));
      query.setString(3 * i + 1, k.accountId());
      query.setString(3 * i + 2, k.metric());
      query.setLong(3 * i + 3, k.epochDay());
    }
    try (ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        byte[] hashes = rs.getBytes(4);
        if (hashes != null) {
          users.put(new AccountKey(rs.getString(1), rs.getString(2), rs.getLong(3)), decodeUsers(hashes));
        }
      }
    }
    return users;
  }

  /** Users as sorted 8-byte big-endian hashes: stable bytes for the same set. */
  static byte[] encodeUsers(LongHashSet users) {
    long[] sorted = users.toArray();
    Arrays.sort(sorted);
    ByteBuffer bytes = ByteBuffer.allocate(sorted.length * 8);
    for (long user : sorted) {
      bytes.putLong(user);
    }
    return bytes.array();
  }

  static LongHashSet decodeUsers(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    LongHashSet users = new LongHashSet();
    while (buffer.remaining() >= 8) {
      users.add(buffer.getLong());
    }
    return users;
  }

  private static void bindRollup(
      PreparedStatement s, String account, HotRollup r, LongHashSet users, long checkpointId)
      throws SQLException {
    s.setString(1, account);
    s.setString(2, r.metric);
    s.setLong(3, r.epochDay);
    s.setLong(4, r.count);
    s.setLong(5, r.numericCount);
    s.setDouble(6, r.sum);
    s.setDouble(7, r.numericCount == 0 ? 0 : r.min);
    s.setDouble(8, r.numericCount == 0 ? 0 : r.max);
    s.setDouble(9, r.lastValue);
    if (r.lastLabel == null) {
      s.setNull(10, Types.VARCHAR);
    } else {
      s.setString(10, r.lastLabel);
    }
    s.setLong(11, r.firstAtMillis);
    s.setLong(12, r.lastAtMillis);
    if (users == null) {
      s.setNull(13, Types.BIGINT);
      s.setNull(14, Types.BINARY);
    } else {
      s.setLong(13, users.size());
      s.setBytes(14, encodeUsers(users));
    }
    s.setLong(15, checkpointId);
  }

  /** What a reader needs from SQL, read from one snapshot. */
  record Snapshot(Map<Key, StoredRollup> rollups, Map<Key, LongHashSet> users) {}

  /**
   * The account's stored rollups with a day in [from, to), and the stored users of the rollups with
   * a day from {@code usersFromDay} on and of those in {@code usersWanted} (those with in-memory
   * users to merge), read in one repeatable-read transaction so that a checkpoint committing
   * meanwhile cannot be half seen.
   */
  Snapshot read(String accountId, long fromDay, long toDay, long usersFromDay, List<Key> usersWanted) {
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      try {
        Map<Key, StoredRollup> rollups = new HashMap<>();
        Map<Key, LongHashSet> users = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement(SELECT_ROLLUPS)) {
          s.setLong(1, usersFromDay);
          s.setString(2, accountId);
          s.setLong(3, fromDay);
          s.setLong(4, toDay);
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              StoredRollup r =
                  new StoredRollup(
                      rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getDouble(5),
                      rs.getDouble(6), rs.getDouble(7), rs.getDouble(8), rs.getString(9),
                      rs.getLong(10), rs.getLong(11), rs.getLong(12), rs.getLong(13));
              Key key = new Key(r.metric(), r.epochDay());
              rollups.put(key, r);
              byte[] hashes = rs.getBytes(14);
              if (hashes != null) {
                users.put(key, decodeUsers(hashes));
              }
            }
          }
        }
        try (PreparedStatement s = c.prepareStatement(SELECT_USERS)) {
          for (Key key : usersWanted) {
            if (!rollups.containsKey(key) || users.containsKey(key)) {
              continue;
            }
            s.setString(1, accountId);
            s.setString(2, key.metric());
            s.setLong(3, key.epochDay());
            try (ResultSet rs = s.executeQuery()) {
              byte[] hashes = rs.next() ? rs.getBytes(1) : null;
              users.put(key, hashes == null ? new LongHashSet() : decodeUsers(hashes));
            }
          }
        }
        return new Snapshot(rollups, users);
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot read rollups of an account: " + e.getMessage(), e);
    }
  }

  /** The stored user set of one rollup, empty if none. */
  LongHashSet users(String accountId, String metric, long epochDay) {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s = c.prepareStatement(SELECT_USERS)) {
      s.setString(1, accountId);
      s.setString(2, metric);
      s.setLong(3, epochDay);
      try (ResultSet rs = s.executeQuery()) {
        byte[] hashes = rs.next() ? rs.getBytes(1) : null;
        return hashes == null ? new LongHashSet() : decodeUsers(hashes);
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot read the users of a rollup: " + e.getMessage(), e);
    }
  }

  /** Metrics with a stored rollup for the account, sorted. */
  TreeSet<String> metrics(String accountId) {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT DISTINCT metric FROM ingest_rollups WHERE account_id = ?")) {
      s.setString(1, accountId);
      TreeSet<String> metrics = new TreeSet<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          metrics.add(rs.getString(1));
        }
      }
      return metrics;
    } catch (SQLException e) {
      throw new DatabaseException("cannot read metrics of an account: " + e.getMessage(), e);
    }
  }
}
