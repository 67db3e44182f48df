package io.healthscore.signals.ingest;

import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.DatabaseException;
import io.healthscore.runtime.db.KeyList;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The checkpointed rollups in SQL (H2 or PostgreSQL), packed in blocks of {@value
 * RollupBlockCodec#DAYS} days per account and metric ({@link RollupBlockCodec}) with the user sets
 * of each day beside them. A checkpoint reads the blocks its deltas touch a few hundred at a time,
 * merges the deltas into them in memory, writes them back with one statement per few hundred
 * blocks and records where log replay must start, all in one transaction.
 */
final class RollupStore {
  static final String MIGRATIONS = "db/signals-ingest";
  static final String MIGRATION_OWNER = "signals-ingest";
  private static final String KEYED_HASH = "siphash-2-4";
  private static final String LEGACY_HASH = "legacy";

  private static final String SELECT_USERS =
      "SELECT user_hashes FROM ingest_rollup_users WHERE account_id = ? AND metric = ? AND epoch_day = ?";

  /** Where recovery starts: after checkpoint {@code checkpointId}, at log segment {@code replayFromSegment}. */
  record Checkpoint(long checkpointId, long replayFromSegment) {}

  /** A rollup's key within an account. */
  record Key(String metric, long epochDay) {}

  /** A rollup's key. */
  record AccountKey(String accountId, String metric, long epochDay) {}

  /**
   * What a checkpoint wrote: the blocks the database refused, and the rollups whose merged user
   * set reached the size asked for (so that {@link IngestLimits} follows them exactly).
   */
  record Written(List<RefusedBlock> refused, List<AccountKey> largeUserSets) {}

  private final Database db;

  RollupStore(Database db) {
    this.db = db;
  }

  /** Applies the engine's migrations, then folds rollups of the one-row-per-day layout into blocks. */
  void migrate() {
    db.migrate(MIGRATIONS, MIGRATION_OWNER);
    new RowRollupFold(db, RowRollupFold.ROWS_PER_TRANSACTION).run();
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
    try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM ingest_rollup_blocks FETCH FIRST 1 ROWS ONLY");
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

  /** A block the database refused to store (a value it cannot hold), left out of its checkpoint. */
  record RefusedBlock(String accountId, String metric, long blockStart, String reason) {}

  /** The hot rollups of one block, oldest delta first. */
  private record BlockChange(RollupBlockTable.BlockKey key, List<HotRollup> rollups, int withUsers) {}

  /** One block's rows to write: the block and the user sets of its days that changed. */
  private record Unit(RollupBlockTable.BlockRow block, List<RollupBlockTable.UserRow> users) {}

  /**
   * Merges {@code deltas} (oldest first) into the stored blocks and records {@code checkpoint},
   * durably, in one transaction. User sets are read, merged in memory and written back whole.
   *
   * <p>Blocks go in chunks of at most {@value RollupBlockTable#BLOCKS_PER_STATEMENT}, with at most
   * {@value RollupBlockTable#USER_SETS_PER_STATEMENT} user sets, so a checkpoint holds the stored
   * blocks and user sets of one chunk at a time, and a chunk is one read and one write statement.
   *
   * <p>A block the database refuses (a data error) must not block every later checkpoint: when the
   * fast path fails, the checkpoint is written again with each part of a chunk under a savepoint,
   * halving failing parts down to single blocks; blocks refused on their own are left out and
   * returned, everything else commits.
   */
  Written write(List<RollupDelta> deltas, Checkpoint checkpoint, int largeUserSet) {
    List<BlockChange> changes = byBlock(deltas);
    try {
      return write(changes, checkpoint, largeUserSet, false);
    } catch (DatabaseException e) {
      if (!(e.getCause() instanceof SQLException)) {
        throw e;
      }
      return write(changes, checkpoint, largeUserSet, true);
    }
  }

  /**
   * The deltas' rollups grouped by block, in key order (neighbours in the primary key go together).
   * Each metric's days are sorted, so they are cut into blocks without a lookup per rollup.
   */
  private static List<BlockChange> byBlock(List<RollupDelta> deltas) {
    Map<RollupBlockTable.BlockKey, List<HotRollup>> blocks = new HashMap<>();
    for (RollupDelta delta : deltas) {
      delta.forEachMetric((account, days) -> {
        int i = 0;
        while (i < days.size()) {
          long blockStart = RollupBlockCodec.blockStart(days.get(i).epochDay);
          List<HotRollup> block = blocks.computeIfAbsent(
              new RollupBlockTable.BlockKey(account, days.metric, blockStart), k -> new ArrayList<>());
          for (; i < days.size() && days.get(i).epochDay < blockStart + RollupBlockCodec.DAYS; i++) {
            block.add(days.get(i));
          }
        }
      });
    }
    List<BlockChange> changes = new ArrayList<>(blocks.size());
    blocks.forEach((key, rollups) -> {
      int withUsers = 0;
      for (HotRollup r : rollups) {
        withUsers += r.users == null ? 0 : 1;
      }
      changes.add(new BlockChange(key, rollups, withUsers));
    });
    changes.sort(Comparator.comparing((BlockChange b) -> b.key().accountId())
        .thenComparing(b -> b.key().metric()).thenComparingLong(b -> b.key().blockStart()));
    return changes;
  }

  private Written write(List<BlockChange> changes, Checkpoint checkpoint, int largeUserSet, boolean isolate) {
    return db.inTransaction(
        c -> {
          List<RefusedBlock> refused = new ArrayList<>();
          List<AccountKey> large = new ArrayList<>();
          int from = 0;
          while (from < changes.size()) {
            int to = chunkEnd(changes, from);
            List<Unit> units = merge(c, changes.subList(from, to), checkpoint.checkpointId(), largeUserSet, large);
            if (isolate) {
              writeIsolating(c, units, 0, units.size(), refused);
            } else {
              writeUnits(c, units);
            }
            from = to;
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

  /** The end of the chunk from {@code from}: a statement's worth of blocks and of user sets (at least one block). */
  private static int chunkEnd(List<BlockChange> changes, int from) {
    int withUsers = changes.get(from).withUsers();
    int i = from + 1;
    while (i < changes.size() && i - from < RollupBlockTable.BLOCKS_PER_STATEMENT
        && withUsers + changes.get(i).withUsers() <= RollupBlockTable.USER_SETS_PER_STATEMENT) {
      withUsers += changes.get(i).withUsers();
      i++;
    }
    return i;
  }

  /**
   * The chunk's blocks with its changes merged in (stored blocks and user sets read with one query
   * each), stamped with {@code checkpointId}: every delta of this transaction is in them.
   */
  private static List<Unit> merge(
      Connection c, List<BlockChange> chunk, long checkpointId, int largeUserSet, List<AccountKey> large)
      throws SQLException {
    List<RollupBlockTable.BlockKey> keys = new ArrayList<>(chunk.size());
    List<AccountKey> userKeys = new ArrayList<>();
    for (BlockChange change : chunk) {
      keys.add(change.key());
      for (HotRollup r : change.rollups()) {
        if (r.users != null) {
          userKeys.add(new AccountKey(change.key().accountId(), r.metric, r.epochDay));
        }
      }
    }
    Map<RollupBlockTable.BlockKey, RollupBlockTable.Block> stored = RollupBlockTable.readBlocks(c, keys);
    Map<AccountKey, LongHashSet> storedUsers = RollupBlockTable.readUsers(c, userKeys);
    List<Unit> units = new ArrayList<>(chunk.size());
    for (BlockChange change : chunk) {
      RollupBlockTable.BlockKey key = change.key();
      RollupBlockTable.Block block = stored.get(key);
      StoredRollup[] days =
          block == null
              ? new StoredRollup[RollupBlockCodec.DAYS]
              : RollupBlockCodec.decode(block.rollups(), key.metric(), key.blockStart(), block.checkpointId());
      Map<AccountKey, LongHashSet> users = new LinkedHashMap<>();
      for (HotRollup hot : change.rollups()) {
        int i = (int) (hot.epochDay - key.blockStart());
        StoredRollup before = days[i];
        long distinct = before == null ? 0 : before.distinctUsers();
        if (hot.users != null) {
          AccountKey userKey = new AccountKey(key.accountId(), hot.metric, hot.epochDay);
          LongHashSet set = users.computeIfAbsent(userKey, k -> storedUsers.getOrDefault(k, new LongHashSet()));
          set.addAll(hot.users);
          distinct = set.size();
        }
        days[i] = before == null ? StoredRollup.of(hot).withDistinctUsers(distinct) : before.followedBy(hot, distinct);
      }
      List<RollupBlockTable.UserRow> userRows = new ArrayList<>(users.size());
      users.forEach((k, set) -> {
        userRows.add(new RollupBlockTable.UserRow(k, RollupBlockTable.encodeUsers(set)));
        if (set.size() >= largeUserSet) {
          large.add(k);
        }
      });
      units.add(new Unit(
          new RollupBlockTable.BlockRow(key, RollupBlockCodec.encode(key.blockStart(), days), checkpointId), userRows));
    }
    return units;
  }

  private static void writeUnits(Connection c, List<Unit> units) throws SQLException {
    List<RollupBlockTable.BlockRow> blocks = new ArrayList<>(units.size());
    List<RollupBlockTable.UserRow> users = new ArrayList<>();
    for (Unit u : units) {
      blocks.add(u.block());
      users.addAll(u.users());
    }
    RollupBlockTable.writeBlocks(c, blocks);
    RollupBlockTable.writeUsers(c, users);
  }

  /** Writes units [from, to) under a savepoint; on a data error, halves the range down to single blocks. */
  private static void writeIsolating(Connection c, List<Unit> units, int from, int to, List<RefusedBlock> refused)
      throws SQLException {
    Savepoint savepoint = c.setSavepoint();
    try {
      writeUnits(c, units.subList(from, to));
      c.releaseSavepoint(savepoint);
      return;
    } catch (SQLException e) {
      c.rollback(savepoint);
      if (!isDataError(e)) {
        throw e;
      }
      if (to - from == 1) {
        RollupBlockTable.BlockKey key = units.get(from).block().key();
        refused.add(new RefusedBlock(key.accountId(), key.metric(), key.blockStart(), firstMessage(e)));
        return;
      }
    }
    int middle = (from + to) >>> 1;
    writeIsolating(c, units, from, middle, refused);
    writeIsolating(c, units, middle, to, refused);
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

  /**
   * What a reader needs from SQL, read from one snapshot: the rollups of each metric in blocks of
   * days by their first day (indexed by day offset, null where none), as decoded, and the user sets.
   * Kept in blocks rather than a map entry per rollup, so a read of a wide account costs a lookup per
   * stored block, not per stored rollup, and comes out in order without a sort; the merge with
   * memory fills in the same blocks.
   */
  static final class Snapshot {
    private final Map<String, TreeMap<Long, StoredRollup[]>> metrics = new HashMap<>();
    private final Map<Key, LongHashSet> users = new HashMap<>();

    Map<Key, LongHashSet> users() {
      return users;
    }

    /** The rollup of the metric's day, or null. */
    StoredRollup get(String metric, long epochDay) {
      TreeMap<Long, StoredRollup[]> blocks = metrics.get(metric);
      long start = RollupBlockCodec.blockStart(epochDay);
      StoredRollup[] block = blocks == null ? null : blocks.get(start);
      return block == null ? null : block[(int) (epochDay - start)];
    }

    /** Sets the rollup of its metric and day. */
    void put(StoredRollup r) {
      long start = RollupBlockCodec.blockStart(r.epochDay());
      metrics.computeIfAbsent(r.metric(), m -> new TreeMap<>())
          .computeIfAbsent(start, b -> new StoredRollup[RollupBlockCodec.DAYS])[(int) (r.epochDay() - start)] = r;
    }

    /** Takes a decoded block of the metric, its days outside the read already cut to null. */
    private void putBlock(String metric, long blockStart, StoredRollup[] days) {
      metrics.computeIfAbsent(metric, m -> new TreeMap<>()).put(blockStart, days);
    }

    /** Every rollup, ordered by metric, then day. */
    void forEachInOrder(Consumer<StoredRollup> visitor) {
      List<String> names = new ArrayList<>(metrics.keySet());
      Collections.sort(names);
      for (String metric : names) {
        for (StoredRollup[] block : metrics.get(metric).values()) {
          for (StoredRollup r : block) {
            if (r != null) {
              visitor.accept(r);
            }
          }
        }
      }
    }
  }

  /**
   * One account of {@link #readAll}: its stored rollups of the metrics {@code wanted} with a day in
   * [fromDay, toDay), the stored users of those from {@code usersFromDay} on and of those in {@code
   * usersWanted} (those with in-memory users to merge).
   */
  record Request(
      String accountId, long fromDay, long toDay, long usersFromDay, List<Key> usersWanted, Predicate<String> wanted) {}

  /** Accounts one statement reads. */
  static final int ACCOUNTS_PER_STATEMENT = 128;

  /*
   * The accounts are joined from a VALUES list ({@link KeyList} says why). The day ranges are
   * written as expressions ("block_start + 0") on purpose: H2 gives up the key lookup when a range
   * on a later key column is among its index conditions, and scans the whole table instead; as
   * expressions they filter the rows found.
   */
  private static final KeyList ACCOUNT_KEYS = new KeyList(ACCOUNTS_PER_STATEMENT, "k", KeyList.Column.varchar("account_id"));

  static final String SELECT_BLOCKS_OF_ACCOUNTS =
      "SELECT t.account_id, t.metric, t.block_start, t.rollups, t.checkpoint_id FROM " + ACCOUNT_KEYS.sql()
          + " JOIN ingest_rollup_blocks t ON t.account_id = k.account_id"
          + " WHERE t.block_start + 0 > ? AND t.block_start + 0 < ?";

  static final String SELECT_USERS_OF_ACCOUNTS =
      "SELECT t.account_id, t.metric, t.epoch_day, t.user_hashes FROM " + ACCOUNT_KEYS.sql()
          + " JOIN ingest_rollup_users t ON t.account_id = k.account_id"
          + " WHERE t.epoch_day + 0 >= ? AND t.epoch_day + 0 < ?";

  /**
   * The snapshots of many accounts (distinct ids), by id, in one transaction and a few statements:
   * the blocks of {@link #ACCOUNTS_PER_STATEMENT} accounts at a time, decoded and cut to each
   * account's days. All of an account's blocks come from one statement, so a checkpoint committing
   * meanwhile is seen whole or not at all for that account (the checkpoint ids on its rows tell
   * which in-memory changes they hold); user sets merge by union, so seeing one twice is harmless.
   */
  Map<String, Snapshot> readAll(List<Request> requests) {
    Map<String, Snapshot> result = new HashMap<>(2 * requests.size());
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      try (PreparedStatement blocks = c.prepareStatement(SELECT_BLOCKS_OF_ACCOUNTS);
          PreparedStatement usersOfAccounts = c.prepareStatement(SELECT_USERS_OF_ACCOUNTS);
          PreparedStatement usersOfRollup = c.prepareStatement(SELECT_USERS)) {
        for (List<Request> part : ACCOUNT_KEYS.parts(requests)) {
          Map<String, Request> byId = new HashMap<>(2 * part.size());
          long fromDay = Long.MAX_VALUE;
          long toDay = Long.MIN_VALUE;
          long usersFromDay = Long.MAX_VALUE;
          for (Request r : part) {
            byId.put(r.accountId(), r);
            result.put(r.accountId(), new Snapshot());
            fromDay = Math.min(fromDay, r.fromDay());
            toDay = Math.max(toDay, r.toDay());
            usersFromDay = Math.min(usersFromDay, Math.max(r.fromDay(), r.usersFromDay()));
          }
          int next = bindAccounts(blocks, part);
          blocks.setLong(next, fromDay - RollupBlockCodec.DAYS);
          blocks.setLong(next + 1, toDay);
          try (ResultSet rs = blocks.executeQuery()) {
            while (rs.next()) {
              String accountId = rs.getString(1);
              Request r = byId.get(accountId);
              String metric = rs.getString(2);
              if (!r.wanted().test(metric)) {
                continue; // its users are left out too: they are read for the rollups kept only
              }
              long blockStart = rs.getLong(3);
              StoredRollup[] days = RollupBlockCodec.decode(rs.getBytes(4), metric, blockStart, rs.getLong(5));
              for (int d = 0; d < days.length; d++) {
                if (blockStart + d < r.fromDay() || blockStart + d >= r.toDay()) {
                  days[d] = null;
                }
              }
              result.get(accountId).putBlock(metric, blockStart, days);
            }
          }
          next = bindAccounts(usersOfAccounts, part);
          usersOfAccounts.setLong(next, usersFromDay);
          usersOfAccounts.setLong(next + 1, toDay);
          try (ResultSet rs = usersOfAccounts.executeQuery()) {
            while (rs.next()) {
              String accountId = rs.getString(1);
              Request r = byId.get(accountId);
              long day = rs.getLong(3);
              Key key = new Key(rs.getString(2), day);
              Snapshot snapshot = result.get(accountId);
              if (day >= Math.max(r.fromDay(), r.usersFromDay()) && snapshot.get(key.metric(), day) != null) {
                snapshot.users().put(key, RollupBlockTable.decodeUsers(rs.getBytes(4)));
              }
            }
          }
          for (Request r : part) {
            readWantedUsers(usersOfRollup, r, result.get(r.accountId()));
          }
        }
        return result;
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot read rollups of accounts: " + e.getMessage(), e);
    }
  }

  /** Binds the accounts' ids; returns the next index. */
  private static int bindAccounts(PreparedStatement s, List<Request> part) throws SQLException {
    return ACCOUNT_KEYS.bind(s, part, (st, at, r) -> st.setString(at, r.accountId()));
  }

  /** The stored users of the rollups in {@code r.usersWanted()} that the range read did not bring. */
  private static void readWantedUsers(PreparedStatement s, Request r, Snapshot snapshot) throws SQLException {
    for (Key key : r.usersWanted()) {
      if (snapshot.get(key.metric(), key.epochDay()) == null || snapshot.users().containsKey(key)) {
        continue;
      }
      s.setString(1, r.accountId());
      s.setString(2, key.metric());
      s.setLong(3, key.epochDay());
      try (ResultSet rs = s.executeQuery()) {
        byte[] hashes = rs.next() ? rs.getBytes(1) : null;
        snapshot.users().put(key, hashes == null ? new LongHashSet() : RollupBlockTable.decodeUsers(hashes));
      }
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
        return hashes == null ? new LongHashSet() : RollupBlockTable.decodeUsers(hashes);
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot read the users of a rollup: " + e.getMessage(), e);
    }
  }

  /** Metrics with a stored rollup for the account, sorted. */
  TreeSet<String> metrics(String accountId) {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT DISTINCT metric FROM ingest_rollup_blocks WHERE account_id = ?")) {
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
