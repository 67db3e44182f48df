package io.healthscore.signals.ingest;

import static io.healthscore.runtime.db.KeyList.Column.bigint;
import static io.healthscore.runtime.db.KeyList.Column.varchar;

import io.healthscore.runtime.db.KeyList;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Bulk SQL on the tables {@code ingest_rollup_blocks} and {@code ingest_rollup_users}: many blocks
 * or user sets read with one query and written with one MERGE statement (a multi-row VALUES
 * source), so a checkpoint costs a statement per few hundred blocks rather than one per rollup.
 */
final class RollupBlockTable {
  /** Blocks per statement. */
  static final int BLOCKS_PER_STATEMENT = 256;
  /** User sets per statement: each may be large (up to the users-per-day limit), so fewer. */
  static final int USER_SETS_PER_STATEMENT = 100;

  /** A block's key: account, metric and the block's first day. */
  record BlockKey(String accountId, String metric, long blockStart) {}

  /** A block as stored: its packed rollups and the last checkpoint that wrote it. */
  record Block(byte[] rollups, long checkpointId) {}

  /** A block to write. */
  record BlockRow(BlockKey key, byte[] rollups, long checkpointId) {}

  /** A rollup's user set to write, as {@link #encodeUsers} bytes. */
  record UserRow(RollupStore.AccountKey key, byte[] hashes) {}

  private RollupBlockTable() {}

  /* Keys are joined from a VALUES list ({@link KeyList} says why). */
  private static final KeyList BLOCK_KEYS =
      new KeyList(BLOCKS_PER_STATEMENT, "k", varchar("account_id"), varchar("metric"), bigint("block_start"));

  private static final KeyList USER_SET_KEYS =
      new KeyList(USER_SETS_PER_STATEMENT, "k", varchar("account_id"), varchar("metric"), bigint("epoch_day"));

  private static final String SELECT_BLOCKS =
      "SELECT t.account_id, t.metric, t.block_start, t.rollups, t.checkpoint_id FROM " + BLOCK_KEYS.sql()
          + " JOIN ingest_rollup_blocks t ON t.account_id = k.account_id"
          + " AND t.metric = k.metric AND t.block_start = k.block_start";

  private static final String SELECT_USER_SETS =
      "SELECT t.account_id, t.metric, t.epoch_day, t.user_hashes FROM " + USER_SET_KEYS.sql()
          + " JOIN ingest_rollup_users t ON t.account_id = k.account_id"
          + " AND t.metric = k.metric AND t.epoch_day = k.epoch_day";

  /** The stored blocks of {@code keys}, by key; absent when not stored. */
  static Map<BlockKey, Block> readBlocks(Connection c, List<BlockKey> keys) throws SQLException {
    Map<BlockKey, Block> blocks = new HashMap<>();
    if (keys.isEmpty()) {
      return blocks;
    }
    try (PreparedStatement s = c.prepareStatement(SELECT_BLOCKS)) {
      for (List<BlockKey> part : BLOCK_KEYS.parts(keys)) {
        BLOCK_KEYS.bind(s, part, (st, at, k) -> bindKey(st, at, k.accountId(), k.metric(), k.blockStart()));
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            blocks.put(new BlockKey(rs.getString(1), rs.getString(2), rs.getLong(3)),
                new Block(rs.getBytes(4), rs.getLong(5)));
          }
        }
      }
    }
    return blocks;
  }

  /** The stored user sets of {@code keys}, by key; absent when none. */
  static Map<RollupStore.AccountKey, LongHashSet> readUsers(Connection c, List<RollupStore.AccountKey> keys)
      throws SQLException {
    Map<RollupStore.AccountKey, LongHashSet> users = new HashMap<>();
    if (keys.isEmpty()) {
      return users;
    }
    try (PreparedStatement s = c.prepareStatement(SELECT_USER_SETS)) {
      for (List<RollupStore.AccountKey> part : USER_SET_KEYS.parts(keys)) {
        USER_SET_KEYS.bind(s, part, (st, at, k) -> bindKey(st, at, k.accountId(), k.metric(), k.epochDay()));
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            users.put(new RollupStore.AccountKey(rs.getString(1), rs.getString(2), rs.getLong(3)),
                decodeUsers(rs.getBytes(4)));
          }
        }
      }
    }
    return users;
  }

  /** Binds one key from parameter {@code at} on. */
  private static void bindKey(PreparedStatement s, int at, String accountId, String metric, long day)
      throws SQLException {
    s.setString(at, accountId);
    s.setString(at + 1, metric);
    s.setLong(at + 2, day);
  }

  /** Inserts or replaces the blocks, one statement per {@value #BLOCKS_PER_STATEMENT}. */
  static void writeBlocks(Connection c, List<BlockRow> rows) throws SQLException {
    for (int from = 0; from < rows.size(); from += BLOCKS_PER_STATEMENT) {
      List<BlockRow> part = rows.subList(from, Math.min(rows.size(), from + BLOCKS_PER_STATEMENT));
      try (PreparedStatement s = c.prepareStatement(
          "MERGE INTO ingest_rollup_blocks t USING (VALUES "
              + tuples(part.size(), "(CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS BIGINT),"
                  + " CAST(? AS BYTEA), CAST(? AS BIGINT))")
              + ") s (account_id, metric, block_start, rollups, checkpoint_id)"
              + " ON t.account_id = s.account_id AND t.metric = s.metric AND t.block_start = s.block_start"
              + " WHEN MATCHED THEN UPDATE SET rollups = s.rollups, checkpoint_id = s.checkpoint_id"
              + " WHEN NOT MATCHED THEN INSERT (account_id, metric, block_start, rollups, checkpoint_id)"
              + " VALUES (s.account_id, s.metric, s.block_start, s.rollups, s.checkpoint_id)")) {
        int p = 1;
        for (BlockRow row : part) {
          s.setString(p++, row.key().accountId());
          s.setString(p++, row.key().metric());
          s.setLong(p++, row.key().blockStart());
          s.setBytes(p++, row.rollups());
          s.setLong(p++, row.checkpointId());
        }
        s.executeUpdate();
      }
    }
  }

  /** Inserts or replaces the user sets, one statement per {@value #USER_SETS_PER_STATEMENT}. */
  static void writeUsers(Connection c, List<UserRow> rows) throws SQLException {
    for (int from = 0; from < rows.size(); from += USER_SETS_PER_STATEMENT) {
      List<UserRow> part = rows.subList(from, Math.min(rows.size(), from + USER_SETS_PER_STATEMENT));
      try (PreparedStatement s = c.prepareStatement(
          "MERGE INTO ingest_rollup_users t USING (VALUES "
              + tuples(part.size(), "(CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS BIGINT), CAST(? AS BYTEA))")
              + ") s (account_id, metric, epoch_day, user_hashes)"
              + " ON t.account_id = s.account_id AND t.metric = s.metric AND t.epoch_day = s.epoch_day"
              + " WHEN MATCHED THEN UPDATE SET user_hashes = s.user_hashes"
              + " WHEN NOT MATCHED THEN INSERT (account_id, metric, epoch_day, user_hashes)"
              + " VALUES (s.account_id, s.metric, s.epoch_day, s.user_hashes)")) {
        int p = 1;
        for (UserRow row : part) {
          s.setString(p++, row.key().accountId());
          s.setString(p++, row.key().metric());
          s.setLong(p++, row.key().epochDay());
          s.setBytes(p++, row.hashes());
        }
        s.executeUpdate();
      }
    }
  }

  private static String tuples(int n, String tuple) {
    return String.join(", ", Collections.nCopies(n, tuple));
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
}
