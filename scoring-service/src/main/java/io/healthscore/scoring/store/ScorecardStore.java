package io.healthscore.scoring.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.DatabaseException;
import io.healthscore.v1.Scorecard;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every version of every scorecard. A put never rewrites a version: it adds the next one, and a
 * cache notice that makes the other replicas install it.
 */
public final class ScorecardStore {
  private final Database database;
  private final CacheNotices notices;

  public ScorecardStore(Database database, CacheNotices notices) {
    this.database = database;
    this.notices = notices;
  }

  /**
   * Stores {@code scorecard} as the next version of its id and returns it with version and
   * update_time set. The notice comes first: its lock serialises puts of every replica, so two puts
   * of one id cannot pick the same version.
   */
  public Scorecard put(Scorecard scorecard, long nowMillis) {
    return database.inTransaction(
        c -> {
          notices.append(c, List.of(CacheNotices.Notice.scorecard(scorecard.getScorecardId())));
          return put(c, scorecard, nowMillis);
        });
  }

  /**
   * Stores {@code scorecard} unless its latest version says the same (ignoring version and
   * update_time), so replicas starting together with one configuration add one version. Returns the
   * new version, or empty when the latest one already said this.
   */
  public Optional<Scorecard> putIfChanged(Scorecard scorecard, long nowMillis) {
    return database.inTransaction(
        c -> {
          notices.append(c, List.of(CacheNotices.Notice.scorecard(scorecard.getScorecardId())));
          Optional<Scorecard> latest = latest(c, scorecard.getScorecardId());
          if (latest.isPresent() && content(latest.get()).equals(content(scorecard))) {
            return Optional.<Scorecard>empty();
          }
          return Optional.of(put(c, scorecard, nowMillis));
        });
  }

  private static Scorecard content(Scorecard sc) {
    return sc.toBuilder().clearVersion().clearUpdateTime().build();
  }

  /** Adds the next version; the caller's transaction holds the notice lock. */
  private static Scorecard put(Connection c, Scorecard scorecard, long nowMillis) throws SQLException {
    long version = latestVersion(c, scorecard.getScorecardId()) + 1;
    Scorecard stored =
        scorecard.toBuilder().setVersion(version).setUpdateTime(Timestamps.fromMillis(nowMillis)).build();
    try (PreparedStatement s =
        c.prepareStatement("INSERT INTO scorecards (scorecard_id, version, body, update_time) VALUES (?, ?, ?, ?)")) {
      s.setString(1, stored.getScorecardId());
      s.setLong(2, version);
      s.setBytes(3, stored.toByteArray());
      s.setLong(4, nowMillis);
      s.executeUpdate();
    }
    return stored;
  }

  private static Optional<Scorecard> latest(Connection c, String scorecardId) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("SELECT body FROM scorecards WHERE scorecard_id = ? ORDER BY version DESC LIMIT 1")) {
      s.setString(1, scorecardId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(parse(rs.getBytes(1))) : Optional.empty();
      }
    }
  }

  /** The given version, or the latest when {@code version} is 0. */
  public Optional<Scorecard> get(String scorecardId, long version) {
    return database.inTransaction(
        c -> {
          String sql =
              version > 0
                  ? "SELECT body FROM scorecards WHERE scorecard_id = ? AND version = ?"
                  : "SELECT body FROM scorecards WHERE scorecard_id = ? ORDER BY version DESC LIMIT 1";
          try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, scorecardId);
            if (version > 0) {
              s.setLong(2, version);
            }
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? Optional.of(parse(rs.getBytes(1))) : Optional.<Scorecard>empty();
            }
          }
        });
  }

  /** The latest version of every scorecard, ordered by id. */
  public List<Scorecard> listLatest() {
    return database.inTransaction(
        c -> {
          List<Scorecard> result = new ArrayList<>();
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT s.body FROM scorecards s JOIN (SELECT scorecard_id, MAX(version) AS v"
                          + " FROM scorecards GROUP BY scorecard_id) m"
                          + " ON s.scorecard_id = m.scorecard_id AND s.version = m.v"
                          + " ORDER BY s.scorecard_id");
              ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              result.add(parse(rs.getBytes(1)));
            }
          }
          return result;
        });
  }

  private static long latestVersion(Connection c, String scorecardId) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("SELECT MAX(version) FROM scorecards WHERE scorecard_id = ?")) {
      s.setString(1, scorecardId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static Scorecard parse(byte[] body) {
    try {
      return Scorecard.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new DatabaseException("stored scorecard is corrupt", e);
    }
  }
}
