package io.healthscore.scoring.store;

import io.healthscore.runtime.db.Database;
import io.healthscore.scoring.cache.ScoreKey;
import io.healthscore.v1.Band;
import io.healthscore.v1.ScoreOrder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The latest material score per account and scorecard. The cache is filled from here after a
 * restart, and ListScores and ForecastRetention read it, so they see every account, not only the
 * cached ones.
 */
public final class ScoreStore {
  private static final String COLUMNS =
      "account_id, scorecard_id, scorecard_version, is_primary, segment, mrr, score, band,"
          + " computed_score, computed_band, coverage, no_data, churn_probability, model_id,"
          + " mrr_at_risk, rolled_up, override_key, computed_at, state";

  /** Ids per IN list of a multi-row read. */
  static final int IN_CHUNK = 500;

  private final Database database;
  private final String upsert;

  public ScoreStore(Database database) {
    this.database = database;
    this.upsert =
        database
            .dialect()
            .upsertSql(
                "scores",
                List.of("account_id", "scorecard_id"),
                List.of(
                    "scorecard_version", "is_primary", "segment", "mrr", "score", "band",
                    "computed_score", "computed_band", "coverage", "no_data", "churn_probability",
                    "model_id", "mrr_at_risk", "rolled_up", "override_key", "computed_at", "state"));
  }

  /** Writes the rows inside the caller's transaction. */
  public void upsert(Connection c, List<StoredScore> rows) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement(upsert)) {
      for (StoredScore r : rows) {
        int i = 1;
        s.setString(i++, r.accountId());
        s.setString(i++, r.scorecardId());
        s.setLong(i++, r.scorecardVersion());
        s.setBoolean(i++, r.primary());
        s.setString(i++, r.segment());
        s.setDouble(i++, r.mrr());
        s.setDouble(i++, r.score());
        s.setInt(i++, r.band().getNumber());
        s.setDouble(i++, r.computedScore());
        s.setInt(i++, r.computedBand().getNumber());
        s.setDouble(i++, r.coverage());
        s.setBoolean(i++, r.noData());
        if (Double.isNaN(r.churnProbability())) {
          s.setNull(i++, Types.DOUBLE);
        } else {
          s.setDouble(i++, r.churnProbability());
        }
        s.setString(i++, r.modelId().isEmpty() ? null : r.modelId());
        s.setDouble(i++, r.mrrAtRisk());
        s.setBoolean(i++, r.rolledUp());
        s.setString(i++, r.overrideKey());
        s.setLong(i++, r.computedAtMillis());
        s.setBytes(i, r.state());
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  /**
   * Removes the account's scores on every scorecard but {@code keep} (those that still apply to
   * it), inside the caller's transaction.
   */
  public void deleteExcept(Connection c, String accountId, Set<String> keep) throws SQLException {
    StringBuilder sql = new StringBuilder("DELETE FROM scores WHERE account_id = ?");
    if (!keep.isEmpty()) {
      sql.append(" AND scorecard_id NOT IN (").append("?, ".repeat(keep.size() - 1)).append("?)");
    }
    try (PreparedStatement s = c.prepareStatement(sql.toString())) {
      int i = 1;
      s.setString(i++, accountId);
      for (String id : keep) {
        s.setString(i++, id);
      }
      s.executeUpdate();
    }
  }

  /** The accounts with a stored score on the scorecard. */
  public List<String> accountIds(String scorecardId) {
    return database.inTransaction(
        c -> {
          List<String> ids = new ArrayList<>();
          try (PreparedStatement s = c.prepareStatement("SELECT account_id FROM scores WHERE scorecard_id = ?")) {
            s.setString(1, scorecardId);
            s.setFetchSize(1000);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                ids.add(rs.getString(1));
              }
            }
          }
          return ids;
        });
  }

  public Optional<StoredScore> get(String accountId, String scorecardId) {
    return database.inTransaction(c -> get(c, accountId, scorecardId));
  }

  public Optional<StoredScore> get(Connection c, String accountId, String scorecardId)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT " + COLUMNS + " FROM scores WHERE account_id = ? AND scorecard_id = ?")) {
      s.setString(1, accountId);
      s.setString(2, scorecardId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  /** The stored rows of these scores, in one transaction; keys without a row are left out. */
  public Map<ScoreKey, StoredScore> getAll(Collection<ScoreKey> keys) {
    if (keys.isEmpty()) {
      return new HashMap<>();
    }
    return database.inTransaction(c -> getAll(c, keys));
  }

  /** The same inside the caller's transaction. */
  public Map<ScoreKey, StoredScore> getAll(Connection c, Collection<ScoreKey> keys) throws SQLException {
    Map<ScoreKey, StoredScore> result = new HashMap<>();
    Map<String, List<String>> byScorecard = new HashMap<>();
    keys.forEach(k -> byScorecard.computeIfAbsent(k.scorecardId(), x -> new ArrayList<>()).add(k.accountId()));
    for (Map.Entry<String, List<String>> e : byScorecard.entrySet()) {
      List<String> ids = e.getValue();
      for (int from = 0; from < ids.size(); from += IN_CHUNK) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
        try (PreparedStatement s =
            c.prepareStatement(
                "SELECT " + COLUMNS + " FROM scores WHERE scorecard_id = ? AND account_id IN ("
                    + "?, ".repeat(chunk.size() - 1) + "?)")) {
          s.setString(1, e.getKey());
          for (int i = 0; i < chunk.size(); i++) {
            s.setString(i + 2, chunk.get(i));
          }
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              StoredScore row = read(rs);
              result.put(new ScoreKey(row.accountId(), row.scorecardId()), row);
            }
          }
        }
      }
    }
    return result;
  }

  /** One page matching the query, in its order. */
  public List<StoredScore> page(ScoreQuery q) {
    return database.inTransaction(
        c -> {
          List<Object> args = new ArrayList<>();
          StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM scores");
          where(q, sql, args);
          String sortColumn = sortColumn(q.order());
          boolean descending = q.order() == ScoreOrder.SCORE_ORDER_SCORE_DESC
              || q.order() == ScoreOrder.SCORE_ORDER_MRR_AT_RISK_DESC;
          if (q.after() != null) {
            // Keyset paging: rows strictly after the last row of the previous page.
            sql.append(" AND (")
                .append(sortColumn)
                .append(descending ? " < ?" : " > ?")
                .append(" OR (")
                .append(sortColumn)
                .append(" = ? AND account_id > ?))");
            args.add(q.after().sortValue());
            args.add(q.after().sortValue());
            args.add(q.after().accountId());
          }
          sql.append(" ORDER BY ")
              .append(sortColumn)
              .append(descending ? " DESC" : " ASC")
              .append(", account_id ASC LIMIT ")
              .append(q.limit());
          List<StoredScore> result = new ArrayList<>();
          try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            bind(s, args);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                result.add(read(rs));
              }
            }
          }
          return result;
        });
  }

  /** How many rows match the query's filters (all pages). */
  public int count(ScoreQuery q) {
    return database.inTransaction(
        c -> {
          List<Object> args = new ArrayList<>();
          StringBuilder sql = new StringBuilder("SELECT COUNT(*) FROM scores");
          where(q, sql, args);
          try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            bind(s, args);
            try (ResultSet rs = s.executeQuery()) {
              rs.next();
              return rs.getInt(1);
            }
          }
        });
  }

  /** Visits the primary scores (or one scorecard's) of every account. */
  public void forEach(String scorecardIdOrNull, Consumer<StoredScore> visitor) {
    database.inTransaction(
        c -> {
          String sql =
              "SELECT " + COLUMNS + " FROM scores WHERE "
                  + (scorecardIdOrNull == null ? "is_primary = TRUE" : "scorecard_id = ?");
          try (PreparedStatement s = c.prepareStatement(sql)) {
            if (scorecardIdOrNull != null) {
              s.setString(1, scorecardIdOrNull);
            }
            s.setFetchSize(1000);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                visitor.accept(read(rs));
              }
            }
          }
          return null;
        });
  }

  public static double sortValue(StoredScore row, ScoreOrder order) {
    return order == ScoreOrder.SCORE_ORDER_MRR_AT_RISK_DESC ? row.mrrAtRisk() : row.score();
  }

  private static String sortColumn(ScoreOrder order) {
    return order == ScoreOrder.SCORE_ORDER_MRR_AT_RISK_DESC ? "mrr_at_risk" : "score";
  }

  private static void where(ScoreQuery q, StringBuilder sql, List<Object> args) {
    if (q.scorecardId() == null) {
      sql.append(" WHERE is_primary = TRUE");
    } else {
      sql.append(" WHERE scorecard_id = ?");
      args.add(q.scorecardId());
    }
    if (!q.bands().isEmpty()) {
      sql.append(" AND band IN (");
      String separator = "";
      for (Band b : q.bands()) {
        sql.append(separator).append('?');
        args.add(b.getNumber());
        separator = ", ";
      }
      sql.append(')');
    }
    if (q.segment() != null) {
      sql.append(" AND segment = ?");
      args.add(q.segment());
    }
    if (!Double.isNaN(q.minScore())) {
      sql.append(" AND score >= ?");
      args.add(q.minScore());
    }
    if (!Double.isNaN(q.maxScore())) {
      sql.append(" AND score <= ?");
      args.add(q.maxScore());
    }
  }

  private static void bind(PreparedStatement s, List<Object> args) throws SQLException {
    for (int i = 0; i < args.size(); i++) {
      Object a = args.get(i);
      if (a instanceof String str) {
        s.setString(i + 1, str);
      } else if (a instanceof Integer n) {
        s.setInt(i + 1, n);
      } else {
        s.setDouble(i + 1, (Double) a);
      }
    }
  }

  private static StoredScore read(ResultSet rs) throws SQLException {
    double churn = rs.getDouble(13);
    if (rs.wasNull()) {
      churn = Double.NaN;
    }
    String modelId = rs.getString(14);
    return new StoredScore(
        rs.getString(1),
        rs.getString(2),
        rs.getLong(3),
        rs.getBoolean(4),
        rs.getString(5),
        rs.getDouble(6),
        rs.getDouble(7),
        Band.forNumber(rs.getInt(8)),
        rs.getDouble(9),
        Band.forNumber(rs.getInt(10)),
        rs.getDouble(11),
        rs.getBoolean(12),
        churn,
        modelId == null ? "" : modelId,
        rs.getDouble(15),
        rs.getBoolean(16),
        rs.getString(17),
        rs.getLong(18),
        rs.getBytes(19));
  }
}
