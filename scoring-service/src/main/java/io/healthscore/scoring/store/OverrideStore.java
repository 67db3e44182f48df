package io.healthscore.scoring.store;

import io.healthscore.runtime.db.Database;
import io.healthscore.v1.Band;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Overrides in force plus an audit row for every set and clear. Overrides are few, so all of them
 * are also held in memory: the hot read path never touches the database for them. A set or clear
 * appends a cache notice in its transaction, and replicas that read it {@link #reload} the override.
 */
public final class OverrideStore {
  /** One audit entry: what was done to an override, by whom and when. */
  public record AuditEntry(
      String action, double score, Band band, String reason, String actor, long atMillis, long expireMillis) {}

  private static final String COLUMNS =
      "account_id, scorecard_id, score, band, reason, set_by, set_time, expire_time";

  private final Database database;
  private final CacheNotices notices;
  private final String upsert;
  private final Map<String, OverrideRecord> inForce = new ConcurrentHashMap<>();

  public OverrideStore(Database database, CacheNotices notices) {
    this.database = database;
    this.notices = notices;
    this.upsert =
        database
            .dialect()
            .upsertSql(
                "overrides",
                List.of("account_id", "scorecard_id"),
                List.of("score", "band", "reason", "set_by", "set_time", "expire_time"));
    reloadAll();
  }

  /** Reads every override again (a replica that may have missed notices). */
  public void reloadAll() {
    List<OverrideRecord> all = query("SELECT " + COLUMNS + " FROM overrides");
    Map<String, OverrideRecord> fresh = new ConcurrentHashMap<>();
    all.forEach(o -> fresh.put(key(o.accountId(), o.scorecardId()), o));
    inForce.keySet().retainAll(fresh.keySet());
    inForce.putAll(fresh);
  }

  /** Reads one override again, after another replica set or cleared it. */
  public void reload(String accountId, String scorecardId) {
    List<OverrideRecord> found =
        query("SELECT " + COLUMNS + " FROM overrides WHERE account_id = ? AND scorecard_id = ?", accountId, scorecardId);
    if (found.isEmpty()) {
      inForce.remove(key(accountId, scorecardId));
    } else {
      inForce.put(key(accountId, scorecardId), found.get(0));
    }
  }

  private List<OverrideRecord> query(String sql, String... args) {
    return database.inTransaction(
        c -> {
          List<OverrideRecord> result = new ArrayList<>();
          try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
              s.setString(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                double score = rs.getDouble(3);
                if (rs.wasNull()) {
                  score = Double.NaN;
                }
                result.add(
                    new OverrideRecord(
                        rs.getString(1),
                        rs.getString(2),
                        score,
                        Band.forNumber(rs.getInt(4)),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getLong(7),
                        rs.getLong(8)));
              }
            }
          }
          return result;
        });
  }

  /** The override of this score, expired or not; callers check {@link OverrideRecord#activeAt}. */
  public Optional<OverrideRecord> get(String accountId, String scorecardId) {
    return Optional.ofNullable(inForce.get(key(accountId, scorecardId)));
  }

  /** Every stored override (expired ones included until cleared or swept). */
  public List<OverrideRecord> all() {
    return List.copyOf(inForce.values());
  }

  /** Writes the override and its audit row inside the caller's transaction. */
  public void set(Connection c, OverrideRecord o) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(upsert)) {
      s.setString(1, o.accountId());
      s.setString(2, o.scorecardId());
      setScore(s, 3, o.score());
      s.setInt(4, o.band().getNumber());
      s.setString(5, o.reason());
      s.setString(6, o.setBy());
      s.setLong(7, o.setMillis());
      s.setLong(8, o.expireMillis());
      s.executeUpdate();
    }
    audit(c, o.accountId(), o.scorecardId(), "set", o.score(), o.band(), o.reason(), o.setBy(), o.setMillis(), o.expireMillis());
    notices.append(c, List.of(CacheNotices.Notice.override(o.accountId(), o.scorecardId())));
  }

  /**
   * Deletes the override and audits it inside the caller's transaction. {@code action} is "clear"
   * for a person clearing it and "expire" when the sweeper removes an expired one.
   */
  public void clear(Connection c, OverrideRecord o, String action, String reason, String actor, long nowMillis)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("DELETE FROM overrides WHERE account_id = ? AND scorecard_id = ?")) {
      s.setString(1, o.accountId());
      s.setString(2, o.scorecardId());
      s.executeUpdate();
    }
    audit(c, o.accountId(), o.scorecardId(), action, o.score(), o.band(), reason, actor, nowMillis, o.expireMillis());
    notices.append(c, List.of(CacheNotices.Notice.override(o.accountId(), o.scorecardId())));
  }

  /** Makes a committed set visible to readers; call after the transaction commits. */
  public void applied(OverrideRecord o) {
    inForce.put(key(o.accountId(), o.scorecardId()), o);
  }

  /** Makes a committed clear visible to readers; call after the transaction commits. */
  public void removed(OverrideRecord o) {
    inForce.remove(key(o.accountId(), o.scorecardId()), o);
  }

  /** The audit trail of one account's override on one scorecard, oldest first. */
  public List<AuditEntry> audit(String accountId, String scorecardId) {
    return database.inTransaction(
        c -> {
          List<AuditEntry> result = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT action, score, band, reason, actor, action_time, expire_time FROM override_audit"
                      + " WHERE account_id = ? AND scorecard_id = ? ORDER BY audit_id")) {
            s.setString(1, accountId);
            s.setString(2, scorecardId);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                double score = rs.getDouble(2);
                if (rs.wasNull()) {
                  score = Double.NaN;
                }
                result.add(
                    new AuditEntry(
                        rs.getString(1),
                        score,
                        Band.forNumber(rs.getInt(3)),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getLong(6),
                        rs.getLong(7)));
              }
            }
          }
          return result;
        });
  }

  private static void audit(
      Connection c,
      String accountId,
      String scorecardId,
      String action,
      double score,
      Band band,
      String reason,
      String actor,
      long atMillis,
      long expireMillis)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO override_audit (account_id, scorecard_id, action, score, band, reason, actor,"
                + " action_time, expire_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, accountId);
      s.setString(2, scorecardId);
      s.setString(3, action);
      setScore(s, 4, score);
      s.setInt(5, band.getNumber());
      s.setString(6, reason);
      s.setString(7, actor);
      s.setLong(8, atMillis);
      s.setLong(9, expireMillis);
      s.executeUpdate();
    }
  }

  private static void setScore(PreparedStatement s, int index, double score) throws SQLException {
    if (Double.isNaN(score)) {
      s.setNull(index, Types.DOUBLE);
    } else {
      s.setDouble(index, score);
    }
  }

  private static String key(String accountId, String scorecardId) {
    return accountId + '\u0000' + scorecardId;
  }
}
