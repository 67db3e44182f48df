package io.healthscore.scoring.store;

import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.KeyList;
import io.healthscore.scoring.cache.ScoreKey;
import io.healthscore.v1.Band;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.LongStream;

/** Every material change of every score: GetScoreHistory and the 7/30/90-day trends read it. */
public final class ScoreHistoryStore {
  /*
   * The first point of each score at or before the latest moment asked: only the points that old
   * are read (an index range), not the whole history of every score, most of which is newer than
   * any trend moment. The accounts are joined from a VALUES list ({@link KeyList} says why).
   */
  private static final KeyList ACCOUNT_KEYS =
      new KeyList(ScoreStore.IN_CHUNK, "k", KeyList.Column.varchar("account_id"));

  static final String FIRST_POINTS =
      "SELECT t.account_id, MIN(t.computed_at) FROM " + ACCOUNT_KEYS.sql()
          + " JOIN score_history t ON t.account_id = k.account_id"
          + " WHERE t.scorecard_id = ? AND t.computed_at <= ? GROUP BY t.account_id";

  private static final String SCORE_AS_OF =
      "SELECT score FROM score_history WHERE account_id = ? AND scorecard_id = ?"
          + " AND computed_at <= ? ORDER BY computed_at DESC, seq DESC LIMIT 1";

  private final Database database;

  public ScoreHistoryStore(Database database) {
    this.database = database;
  }

  /** Appends points inside the caller's transaction (the one that logs the changes). */
  public void append(Connection c, List<HistoryPoint> points) throws SQLException {
    if (points.isEmpty()) {
      return;
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO score_history (account_id, scorecard_id, seq, computed_at, score, band,"
                + " computed_score, coverage, scorecard_version, overridden)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (HistoryPoint p : points) {
        s.setString(1, p.accountId());
        s.setString(2, p.scorecardId());
        s.setLong(3, p.seq());
        s.setLong(4, p.computedAtMillis());
        s.setDouble(5, p.score());
        s.setInt(6, p.band().getNumber());
        s.setDouble(7, p.computedScore());
        s.setDouble(8, p.coverage());
        s.setLong(9, p.scorecardVersion());
        s.setBoolean(10, p.overridden());
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  /**
   * Points with startMillis <= computed_at < endMillis, oldest first; when more than {@code limit}
   * match, the newest {@code limit} are kept.
   */
  public List<HistoryPoint> points(
      String accountId, String scorecardId, long startMillis, long endMillis, int limit) {
    return database.inTransaction(
        c -> {
          List<HistoryPoint> newestFirst = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT seq, computed_at, score, band, computed_score, coverage, scorecard_version,"
                      + " overridden FROM score_history WHERE account_id = ? AND scorecard_id = ?"
                      + " AND computed_at >= ? AND computed_at < ? ORDER BY computed_at DESC, seq DESC"
                      + " LIMIT " + limit)) {
            s.setString(1, accountId);
            s.setString(2, scorecardId);
            s.setLong(3, startMillis);
            s.setLong(4, endMillis);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                newestFirst.add(
                    new HistoryPoint(
                        accountId,
                        scorecardId,
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getDouble(3),
                        Band.forNumber(rs.getInt(4)),
                        rs.getDouble(5),
                        rs.getDouble(6),
                        rs.getLong(7),
                        rs.getBoolean(8)));
              }
            }
          }
          Collections.reverse(newestFirst);
          return newestFirst;
        });
  }

  /**
   * The shown score at each moment (the last point at or before it), or empty where the score did
   * not exist yet.
   */
  public OptionalDouble[] scoresAsOf(String accountId, String scorecardId, long... moments) {
    return scoresAsOf(List.of(new ScoreKey(accountId, scorecardId)), moments).get(new ScoreKey(accountId, scorecardId));
  }

  /**
   * {@link #scoresAsOf(String, String, long...)} for many scores in one transaction. One query per
   * scorecard and {@value ScoreStore#IN_CHUNK} accounts first finds when each score's history
   * begins, if before the latest moment, so scores without history at a moment (new ones, above
   * all) cost no lookup of it.
   */
  public Map<ScoreKey, OptionalDouble[]> scoresAsOf(Collection<ScoreKey> keys, long... moments) {
    Map<ScoreKey, OptionalDouble[]> result = new HashMap<>();
    if (keys.isEmpty()) {
      return result;
    }
    Map<String, List<String>> byScorecard = new HashMap<>();
    keys.forEach(k -> byScorecard.computeIfAbsent(k.scorecardId(), x -> new ArrayList<>()).add(k.accountId()));
    long latest = LongStream.of(moments).max().orElse(Long.MIN_VALUE);
    return database.inTransaction(
        c -> {
          Map<ScoreKey, Long> firstPoint = new HashMap<>();
          try (PreparedStatement s = c.prepareStatement(FIRST_POINTS)) {
            for (Map.Entry<String, List<String>> e : byScorecard.entrySet()) {
              List<String> ids = e.getValue();
              for (List<String> chunk : ACCOUNT_KEYS.parts(ids)) {
                int next = ACCOUNT_KEYS.bind(s, chunk, (st, at, id) -> st.setString(at, id));
                s.setString(next, e.getKey());
                s.setLong(next + 1, latest);
                try (ResultSet rs = s.executeQuery()) {
                  while (rs.next()) {
                    firstPoint.put(new ScoreKey(rs.getString(1), e.getKey()), rs.getLong(2));
                  }
                }
              }
            }
          }
          try (PreparedStatement s = c.prepareStatement(SCORE_AS_OF)) {
            for (ScoreKey k : keys) {
              Long first = firstPoint.get(k);
              OptionalDouble[] at = new OptionalDouble[moments.length];
              for (int i = 0; i < moments.length; i++) {
                at[i] = first == null || first > moments[i] ? OptionalDouble.empty() : scoreAsOf(s, k, moments[i]);
              }
              result.put(k, at);
            }
          }
          return result;
        });
  }

  private static OptionalDouble scoreAsOf(PreparedStatement s, ScoreKey k, long moment) throws SQLException {
    s.setString(1, k.accountId());
    s.setString(2, k.scorecardId());
    s.setLong(3, moment);
    try (ResultSet rs = s.executeQuery()) {
      return rs.next() ? OptionalDouble.of(rs.getDouble(1)) : OptionalDouble.empty();
    }
  }

  /** Deletes points older than {@code beforeMillis}; returns how many. */
  public int prune(long beforeMillis) {
    return database.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("DELETE FROM score_history WHERE computed_at < ?")) {
            s.setLong(1, beforeMillis);
            return s.executeUpdate();
          }
        });
  }
}
