package io.healthscore.signals.ingest;

import io.healthscore.runtime.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds rollups stored one row per account, metric and day (table {@code ingest_rollups}, the
 * layout before blocks) into blocks, at start before the engine runs. Each transaction moves a few
 * thousand rows: it merges them into their blocks (which an earlier transaction may have begun)
 * and deletes them, so a crash midway leaves every rollup in exactly one of the two layouts and the
 * next start goes on.
 */
final class RowRollupFold {
  private static final Logger LOG = LoggerFactory.getLogger(RowRollupFold.class);
  static final int ROWS_PER_TRANSACTION = 10_000;

  private final Database db;
  private final int rowsPerTransaction;

  RowRollupFold(Database db, int rowsPerTransaction) {
    this.db = db;
    this.rowsPerTransaction = rowsPerTransaction;
  }

  void run() {
    long folded = 0;
    int moved;
    while ((moved = db.inTransaction(this::foldSome)) > 0) {
      folded += moved;
    }
    if (folded > 0) {
      long total = folded;
      LOG.info("folded {} daily rollups of the one-row-per-day layout into blocks", total);
    }
  }

  private record Row(StoredRollup rollup, byte[] userHashes) {}

  /** Moves the first rows in key order into their blocks; returns how many. */
  private int foldSome(Connection c) throws SQLException {
    Map<RollupBlockTable.BlockKey, List<Row>> blocks = new LinkedHashMap<>();
    RollupStore.AccountKey last = null;
    int rows = 0;
    try (PreparedStatement s = c.prepareStatement(
        "SELECT account_id, metric, epoch_day, signal_count, numeric_count, value_sum, value_min, value_max,"
            + " last_value, last_label, first_at_millis, last_at_millis, distinct_users, checkpoint_id, user_hashes"
            + " FROM ingest_rollups ORDER BY account_id, metric, epoch_day FETCH FIRST " + rowsPerTransaction
            + " ROWS ONLY");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        String account = rs.getString(1);
        StoredRollup r = new StoredRollup(
            rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getDouble(6), rs.getDouble(7),
            rs.getDouble(8), rs.getDouble(9), rs.getString(10), rs.getLong(11), rs.getLong(12), rs.getLong(13),
            rs.getLong(14));
        blocks.computeIfAbsent(
            new RollupBlockTable.BlockKey(account, r.metric(), RollupBlockCodec.blockStart(r.epochDay())),
            k -> new ArrayList<>()).add(new Row(r, rs.getBytes(15)));
        last = new RollupStore.AccountKey(account, r.metric(), r.epochDay());
        rows++;
      }
    }
    if (rows == 0) {
      return 0;
    }
    List<RollupBlockTable.BlockKey> keys = new ArrayList<>(blocks.keySet());
    Map<RollupBlockTable.BlockKey, RollupBlockTable.Block> stored = RollupBlockTable.readBlocks(c, keys);
    List<RollupBlockTable.BlockRow> blockRows = new ArrayList<>(keys.size());
    List<RollupBlockTable.UserRow> userRows = new ArrayList<>();
    for (Map.Entry<RollupBlockTable.BlockKey, List<Row>> e : blocks.entrySet()) {
      RollupBlockTable.BlockKey key = e.getKey();
      RollupBlockTable.Block block = stored.get(key);
      StoredRollup[] days = block == null
          ? new StoredRollup[RollupBlockCodec.DAYS]
          : RollupBlockCodec.decode(block.rollups(), key.metric(), key.blockStart(), block.checkpointId());
      long checkpointId = block == null ? 0 : block.checkpointId();
      for (Row row : e.getValue()) {
        days[(int) (row.rollup().epochDay() - key.blockStart())] = row.rollup();
        checkpointId = Math.max(checkpointId, row.rollup().checkpointId());
        if (row.userHashes() != null && row.userHashes().length > 0) {
          userRows.add(new RollupBlockTable.UserRow(
              new RollupStore.AccountKey(key.accountId(), key.metric(), row.rollup().epochDay()), row.userHashes()));
        }
      }
      blockRows.add(new RollupBlockTable.BlockRow(key, RollupBlockCodec.encode(key.blockStart(), days), checkpointId));
    }
    RollupBlockTable.writeBlocks(c, blockRows);
    RollupBlockTable.writeUsers(c, userRows);
    try (PreparedStatement s = c.prepareStatement(
        "DELETE FROM ingest_rollups WHERE account_id < ? OR (account_id = ? AND (metric < ?"
            + " OR (metric = ? AND epoch_day <= ?)))")) {
      s.setString(1, last.accountId());
      s.setString(2, last.accountId());
      s.setString(3, last.metric());
      s.setString(4, last.metric());
      s.setLong(5, last.epochDay());
      s.executeUpdate();
    }
    return rows;
  }
}
