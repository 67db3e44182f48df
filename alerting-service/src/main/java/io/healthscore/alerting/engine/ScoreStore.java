package io.healthscore.alerting.engine;

import com.google.protobuf.InvalidProtocolBufferException;
import io.healthscore.alerting.support.Times;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.Band;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.ScoreChange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What alerting keeps of scores: each account's latest score per scorecard (with the band before its
 * last band change) and a year of score points, fed by the WatchScores stream. Keeping them here,
 * written in the same transaction as the alerts they cause, makes evaluation independent of
 * scoring-service's availability and exactly repeatable after a restart.
 */
public final class ScoreStore {
  /** Points older than this are pruned: no condition looks further back than 365 days. */
  static final Duration RETENTION = Duration.ofDays(366);

  /** Accounts per statement when a batch's scores are read together. */
  static final int ACCOUNTS_PER_READ = 500;

  private final Database database;

  public ScoreStore(Database database) {
    this.database = database;
  }

  /**
   * Records a score change: the latest score, and the previous and current points. A no-data
   * placeholder (an account without signals yet) is kept as the latest score but is no point of
   * history and no band to move from, so an account's first real score drops from nothing.
   */
  public void record(Connection c, ScoreChange change) throws SQLException {
    HealthScore current = change.getCurrent();
    String account = change.getAccountId().isEmpty() ? current.getAccountId() : change.getAccountId();
    String scorecard = change.getScorecardId().isEmpty() ? current.getScorecardId() : change.getScorecardId();
    HealthScore previous = change.hasPrevious() && !change.getPrevious().getNoData() ? change.getPrevious() : null;
    Band before = Band.BAND_UNSPECIFIED;
    ScoreState stored = load(c, account, scorecard);
    if (current.getNoData()) {
      before = Band.BAND_UNSPECIFIED;
    } else if (stored != null && !stored.score().getNoData()) {
      before = stored.score().getBand() != current.getBand() ? stored.score().getBand() : stored.bandBefore();
    } else if (previous != null && previous.getBand() != current.getBand()) {
      before = previous.getBand();
    }
    try (PreparedStatement s = c.prepareStatement(database.dialect().upsertSql(
        "alert_account_scores", List.of("account_id", "scorecard_id"), List.of("body", "band_before")))) {
      s.setString(1, account);
      s.setString(2, scorecard);
      s.setBytes(3, current.toBuilder().setAccountId(account).setScorecardId(scorecard).build().toByteArray());
      s.setInt(4, before.getNumber());
      s.executeUpdate();
    }
    if (current.getNoData()) {
      return;
    }
    long nowMs = pointTime(change, current);
    if (previous != null && previous.hasComputedAt()) {
      insertPoint(c, account, scorecard, Times.toMillis(previous.getComputedAt()), previous.getScore());
    }
    insertPoint(c, account, scorecard, nowMs, current.getScore());
    try (PreparedStatement s = c.prepareStatement(
        "DELETE FROM alert_score_points WHERE account_id = ? AND scorecard_id = ? AND at_ms < ?")) {
      s.setString(1, account);
      s.setString(2, scorecard);
      s.setLong(3, nowMs - RETENTION.toMillis());
      s.executeUpdate();
    }
  }

  /** Whether a score of the change's account and scorecard computed after the change's is stored. */
  public boolean hasNewer(Connection c, ScoreChange change) throws SQLException {
    HealthScore current = change.getCurrent();
    String account = change.getAccountId().isEmpty() ? current.getAccountId() : change.getAccountId();
    String scorecard = change.getScorecardId().isEmpty() ? current.getScorecardId() : change.getScorecardId();
    ScoreState stored = load(c, account, scorecard);
    return stored != null && stored.score().hasComputedAt()
        && Times.toMillis(stored.score().getComputedAt()) > pointTime(change, current);
  }

  private static long pointTime(ScoreChange change, HealthScore current) {
    if (current.hasComputedAt()) {
      return Times.toMillis(current.getComputedAt());
    }
    return Times.toMillis(change.getChangeTime());
  }

  private void insertPoint(Connection c, String account, String scorecard, long atMs, double score)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(database.dialect().upsertSql(
        "alert_score_points", List.of("account_id", "scorecard_id", "at_ms"), List.of("score")))) {
      s.setString(1, account);
      s.setString(2, scorecard);
      s.setLong(3, atMs);
      s.setDouble(4, score);
      s.executeUpdate();
    }
  }

  private static ScoreState load(Connection c, String account, String scorecard) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT body, band_before FROM alert_account_scores WHERE account_id = ? AND scorecard_id = ?")) {
      s.setString(1, account);
      s.setString(2, scorecard);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? state(rs) : null;
      }
    }
  }

  /**
   * The account's latest real score on every scorecard, ordered by scorecard id; no-data
   * placeholders are left out, so no rule judges an account before its first signals.
   */
  public List<ScoreState> scores(Connection c, String account) throws SQLException {
    List<ScoreState> states = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT body, band_before FROM alert_account_scores WHERE account_id = ? ORDER BY scorecard_id")) {
      s.setString(1, account);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ScoreState state = state(rs);
          if (!state.score().getNoData()) {
            states.add(state);
          }
        }
      }
    }
    return states;
  }

  /**
   * {@link #scores(Connection, String)} of each account, in statements of up to {@value
   * #ACCOUNTS_PER_READ} accounts; an account without a real score maps to an empty list.
   */
  public Map<String, List<ScoreState>> scores(Connection c, Collection<String> accounts) throws SQLException {
    List<String> all = List.copyOf(new LinkedHashSet<>(accounts));
    Map<String, List<ScoreState>> states = new HashMap<>();
    all.forEach(id -> states.put(id, new ArrayList<>()));
    for (int from = 0; from < all.size(); from += ACCOUNTS_PER_READ) {
      List<String> part = all.subList(from, Math.min(all.size(), from + ACCOUNTS_PER_READ));
      try (PreparedStatement s = c.prepareStatement("SELECT body, band_before, account_id FROM alert_account_scores "
          + "WHERE account_id IN (" + String.join(", ", Collections.nCopies(part.size(), "?")) + ") "
          + "ORDER BY account_id, scorecard_id")) {
        for (int i = 0; i < part.size(); i++) {
          s.setString(i + 1, part.get(i));
        }
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            ScoreState state = state(rs);
            if (!state.score().getNoData()) {
              states.get(rs.getString(3)).add(state);
            }
          }
        }
      }
    }
    return states;
  }

  public OptionalDouble maxScoreSince(Connection c, String account, String scorecard, Instant since)
      throws SQLException {
    return single(c, "SELECT MAX(score) FROM alert_score_points WHERE account_id = ? AND scorecard_id = ? AND at_ms >= ?",
        account, scorecard, since.toEpochMilli());
  }

  public OptionalDouble scoreAt(Connection c, String account, String scorecard, Instant at) throws SQLException {
    return single(c, "SELECT score FROM alert_score_points WHERE account_id = ? AND scorecard_id = ? AND at_ms <= ? "
        + "ORDER BY at_ms DESC LIMIT 1", account, scorecard, at.toEpochMilli());
  }

  private static OptionalDouble single(Connection c, String sql, String account, String scorecard, long ms)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, account);
      s.setString(2, scorecard);
      s.setLong(3, ms);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return OptionalDouble.empty();
        }
        double v = rs.getDouble(1);
        return rs.wasNull() ? OptionalDouble.empty() : OptionalDouble.of(v);
      }
    }
  }

  private static ScoreState state(ResultSet rs) throws SQLException {
    try {
      return new ScoreState(HealthScore.parseFrom(rs.getBytes(1)), Band.forNumber(rs.getInt(2)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored score is corrupt", e);
    }
  }
}
