package io.healthscore.alerting.alert;

import io.healthscore.alerting.support.Rows;
import io.healthscore.alerting.support.Times;
import io.healthscore.runtime.api.PageTokens;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertState;
import io.healthscore.v1.AlertVerdict;
import io.healthscore.v1.Band;
import io.healthscore.v1.Severity;
import io.healthscore.v1.TaskState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Alert rows. One unresolved alert per dedup key is a database guarantee (the unique open_key
 * column), not only a check in code, so two replicas or a replayed change cannot raise it twice.
 */
public final class AlertStore {
  private static final String PAGE_LISTING = "alerts";
  /** Keys per statement when a batch's keys are read together. */
  static final int KEYS_PER_READ = 500;
  private static final String COLUMNS =
      "alert_id, rule_id, account_id, dedup_key, state, severity, reason, opened_ms, acknowledged_ms, "
          + "resolved_ms, note, assignee, rule_version, scorecard_id, score, band, verdict, lead_time_days, escalated, "
          + "acknowledged_by, resolved_by";

  /** A page of alerts and the token of the next one ("" on the last page). */
  public record Page(List<Alert> alerts, String nextPageToken) {}

  public static String dedupKey(String ruleId, String accountId) {
    return ruleId + "/" + accountId;
  }

  public void insert(Connection c, Alert a) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO alerts (" + COLUMNS
        + ", open_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, a.getAlertId());
      s.setString(2, a.getRuleId());
      s.setString(3, a.getAccountId());
      s.setString(4, a.getDedupKey());
      s.setInt(5, a.getStateValue());
      s.setInt(6, a.getSeverityValue());
      s.setString(7, a.getReason());
      s.setLong(8, Times.toMillis(a.getOpenedAt()));
      Rows.setNullableLong(s, 9, a.hasAcknowledgedAt() ? Times.toMillis(a.getAcknowledgedAt()) : null);
      Rows.setNullableLong(s, 10, a.hasResolvedAt() ? Times.toMillis(a.getResolvedAt()) : null);
      s.setString(11, a.getNote());
      s.setString(12, a.getAssignee());
      s.setLong(13, a.getRuleVersion());
      s.setString(14, a.getScorecardId());
      Rows.setNullableDouble(s, 15, a.hasScore() ? a.getScore() : null);
      s.setInt(16, a.getBandValue());
      s.setInt(17, a.getVerdictValue());
      Rows.setNullableDouble(s, 18, a.hasLeadTimeDays() ? a.getLeadTimeDays() : null);
      s.setBoolean(19, a.getEscalated());
      s.setString(20, a.getAcknowledgedBy());
      s.setString(21, a.getResolvedBy());
      s.setString(22, a.getState() == AlertState.ALERT_STATE_RESOLVED ? null : a.getDedupKey());
      s.executeUpdate();
    }
  }

  /** Writes the alert's mutable fields: state, times, note, actors, escalation and verdict. */
  public void update(Connection c, Alert a) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE alerts SET state = ?, acknowledged_ms = ?, resolved_ms = ?, "
        + "note = ?, escalated = ?, verdict = ?, lead_time_days = ?, open_key = ?, acknowledged_by = ?, "
        + "resolved_by = ? WHERE alert_id = ?")) {
      s.setInt(1, a.getStateValue());
      Rows.setNullableLong(s, 2, a.hasAcknowledgedAt() ? Times.toMillis(a.getAcknowledgedAt()) : null);
      Rows.setNullableLong(s, 3, a.hasResolvedAt() ? Times.toMillis(a.getResolvedAt()) : null);
      s.setString(4, a.getNote());
      s.setBoolean(5, a.getEscalated());
      s.setInt(6, a.getVerdictValue());
      Rows.setNullableDouble(s, 7, a.hasLeadTimeDays() ? a.getLeadTimeDays() : null);
      s.setString(8, a.getState() == AlertState.ALERT_STATE_RESOLVED ? null : a.getDedupKey());
      s.setString(9, a.getAcknowledgedBy());
      s.setString(10, a.getResolvedBy());
      s.setString(11, a.getAlertId());
      s.executeUpdate();
    }
  }

  /** The alert, locked for update until the transaction ends. */
  public Optional<Alert> getForUpdate(Connection c, String alertId) throws SQLException {
    List<Alert> found = query(c, "SELECT " + COLUMNS + " FROM alerts WHERE alert_id = ? FOR UPDATE", alertId);
    return found.stream().findFirst();
  }

  /** The open or acknowledged alert of the dedup key, locked for update. */
  public Optional<Alert> findUnresolved(Connection c, String dedupKey) throws SQLException {
    return query(c, "SELECT " + COLUMNS + " FROM alerts WHERE open_key = ? FOR UPDATE", dedupKey).stream().findFirst();
  }

  /**
   * Which of {@code keys} have an unresolved alert and when each one's last alert was resolved, in
   * statements of up to {@value #KEYS_PER_READ} keys. Nothing is locked: a key with an unresolved
   * alert is read again ({@link #findUnresolved}) before that alert is changed.
   */
  public KeySnapshot snapshot(Connection c, Collection<String> keys) throws SQLException {
    List<String> all = List.copyOf(new HashSet<>(keys));
    Set<String> unresolved = new HashSet<>();
    Map<String, Long> lastResolved = new HashMap<>();
    for (int from = 0; from < all.size(); from += KEYS_PER_READ) {
      List<String> part = all.subList(from, Math.min(all.size(), from + KEYS_PER_READ));
      String in = String.join(", ", Collections.nCopies(part.size(), "?"));
      try (PreparedStatement s = c.prepareStatement("SELECT dedup_key, MAX(resolved_ms), COUNT(open_key) FROM alerts "
          + "WHERE dedup_key IN (" + in + ") GROUP BY dedup_key")) {
        for (int i = 0; i < part.size(); i++) {
          s.setString(i + 1, part.get(i));
        }
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            long resolved = rs.getLong(2);
            if (!rs.wasNull()) {
              lastResolved.put(rs.getString(1), resolved);
            }
            if (rs.getLong(3) > 0) {
              unresolved.add(rs.getString(1));
            }
          }
        }
      }
    }
    return new KeySnapshot(all, unresolved, lastResolved);
  }

  /** When the last alert of the dedup key was resolved, if ever. */
  public OptionalLong lastResolvedMs(Connection c, String dedupKey) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT MAX(resolved_ms) FROM alerts WHERE dedup_key = ? AND resolved_ms IS NOT NULL")) {
      s.setString(1, dedupKey);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        long v = rs.getLong(1);
        return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(v);
      }
    }
  }

  /**
   * Deletes up to {@code limit} alerts resolved before {@code beforeMs}, with their escalation rows
   * and their done tasks (open tasks stay: a person still has work to do); returns how many alerts.
   */
  public int deleteResolvedBefore(Connection c, long beforeMs, int limit) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT alert_id FROM alerts WHERE open_key IS NULL "
        + "AND resolved_ms IS NOT NULL AND resolved_ms < ? ORDER BY resolved_ms, alert_id LIMIT ?")) {
      s.setLong(1, beforeMs);
      s.setInt(2, limit);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
    }
    for (String sql : List.of(
        "DELETE FROM alert_escalations WHERE alert_id = ?",
        "DELETE FROM alert_tasks WHERE alert_id = ? AND state = " + TaskState.TASK_STATE_DONE_VALUE,
        "DELETE FROM alerts WHERE alert_id = ?")) {
      try (PreparedStatement delete = c.prepareStatement(sql)) {
        for (String id : ids) {
          delete.setString(1, id);
          delete.addBatch();
        }
        delete.executeBatch();
      }
    }
    return ids.size();
  }

  /** The rule's open and acknowledged alerts. */
  public List<Alert> unresolvedOfRule(Connection c, String ruleId) throws SQLException {
    return query(c, "SELECT " + COLUMNS + " FROM alerts WHERE rule_id = ? AND open_key IS NOT NULL "
        + "ORDER BY opened_ms, alert_id FOR UPDATE", ruleId);
  }

  /** The account's alerts without a verdict, oldest first. */
  public List<Alert> withoutVerdict(Connection c, String accountId) throws SQLException {
    return query(c, "SELECT " + COLUMNS + " FROM alerts WHERE account_id = ? AND verdict = 0 "
        + "ORDER BY opened_ms, alert_id", accountId);
  }

  /** Alerts matching the filter, newest first, one page. */
  public Page list(Connection c, AlertFilter filter, int pageSize, String pageToken) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM alerts WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (!filter.states().isEmpty()) {
      sql.append(" AND state IN (");
      String sep = "";
      for (AlertState st : filter.states()) {
        sql.append(sep).append('?');
        args.add(st.getNumber());
        sep = ", ";
      }
      sql.append(')');
    }
    addEquals(sql, args, "account_id", filter.accountId());
    addEquals(sql, args, "rule_id", filter.ruleId());
    addEquals(sql, args, "assignee", filter.assignee());
    if (filter.minSeverity() != Severity.SEVERITY_UNSPECIFIED) {
      sql.append(" AND severity >= ?");
      args.add(filter.minSeverity().getNumber());
    }
    Optional<PageTokens.Position> after = PageTokens.decode(PAGE_LISTING, pageToken);
    if (after.isPresent()) {
      long openedMs = after.get().number(0);
      sql.append(" AND (opened_ms < ? OR (opened_ms = ? AND alert_id < ?))");
      args.add(openedMs);
      args.add(openedMs);
      args.add(after.get().text(1));
    }
    sql.append(" ORDER BY opened_ms DESC, alert_id DESC LIMIT ").append(pageSize + 1);
    List<Alert> alerts = query(c, sql.toString(), args.toArray());
    if (alerts.size() <= pageSize) {
      return new Page(alerts, "");
    }
    List<Alert> page = alerts.subList(0, pageSize);
    Alert last = page.get(pageSize - 1);
    return new Page(List.copyOf(page), PageTokens.encode(PAGE_LISTING, Times.toMillis(last.getOpenedAt()), last.getAlertId()));
  }

  private static void addEquals(StringBuilder sql, List<Object> args, String column, String value) {
    if (!value.isEmpty()) {
      sql.append(" AND ").append(column).append(" = ?");
      args.add(value);
    }
  }

  private static List<Alert> query(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      List<Alert> alerts = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          alerts.add(read(rs));
        }
      }
      return alerts;
    }
  }

  private static Alert read(ResultSet rs) throws SQLException {
    Alert.Builder a = Alert.newBuilder()
        .setAlertId(rs.getString("alert_id"))
        .setRuleId(rs.getString("rule_id"))
        .setAccountId(rs.getString("account_id"))
        .setDedupKey(rs.getString("dedup_key"))
        .setState(AlertState.forNumber(rs.getInt("state")))
        .setSeverity(Severity.forNumber(rs.getInt("severity")))
        .setReason(rs.getString("reason"))
        .setOpenedAt(Times.toTimestamp(rs.getLong("opened_ms")))
        .setAssignee(rs.getString("assignee"))
        .setRuleVersion(rs.getLong("rule_version"))
        .setScorecardId(rs.getString("scorecard_id"))
        .setBand(Band.forNumber(rs.getInt("band")))
        .setVerdict(AlertVerdict.forNumber(rs.getInt("verdict")))
        .setEscalated(rs.getBoolean("escalated"))
        .setAcknowledgedBy(rs.getString("acknowledged_by"))
        .setResolvedBy(rs.getString("resolved_by"));
    Long ack = Rows.nullableLong(rs, "acknowledged_ms");
    if (ack != null) {
      a.setAcknowledgedAt(Times.toTimestamp(ack));
    }
    Long resolved = Rows.nullableLong(rs, "resolved_ms");
    if (resolved != null) {
      a.setResolvedAt(Times.toTimestamp(resolved));
    }
    String note = rs.getString("note");
    if (note != null) {
      a.setNote(note);
    }
    Double score = Rows.nullableDouble(rs, "score");
    if (score != null) {
      a.setScore(score);
    }
    Double lead = Rows.nullableDouble(rs, "lead_time_days");
    if (lead != null) {
      a.setLeadTimeDays(lead);
    }
    return a.build();
  }
}
