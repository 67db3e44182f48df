package io.healthscore.alerting.playbook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Escalations waiting for their time, as rows: the schedule survives a restart, and a replica that
 * picks one up marks it done in the same transaction as the ESCALATED event.
 */
public final class EscalationStore {
  /** One pending escalation: escalate the alert to the channel at dueMs unless acknowledged. */
  public record Escalation(String alertId, int stepIndex, String channelId, long dueMs) {}

  public void schedule(Connection c, Escalation e) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO alert_escalations (alert_id, step_index, channel_id, due_ms, done) VALUES (?, ?, ?, ?, FALSE)")) {
      s.setString(1, e.alertId());
      s.setInt(2, e.stepIndex());
      s.setString(3, e.channelId());
      s.setLong(4, e.dueMs());
      s.executeUpdate();
    }
  }

  /** Pending escalations due at or before {@code nowMs}, earliest first. */
  public List<Escalation> due(Connection c, long nowMs, int limit) throws SQLException {
    List<Escalation> due = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT alert_id, step_index, channel_id, due_ms FROM alert_escalations "
        + "WHERE done = FALSE AND due_ms <= ? ORDER BY due_ms, alert_id, step_index LIMIT " + limit)) {
      s.setLong(1, nowMs);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          due.add(new Escalation(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getLong(4)));
        }
      }
    }
    return due;
  }

  /**
   * Marks the escalation done; returns false when it already was (another replica took it), so
   * only one of them emits the event.
   */
  public boolean markDone(Connection c, String alertId, int stepIndex) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE alert_escalations SET done = TRUE WHERE alert_id = ? AND step_index = ? AND done = FALSE")) {
      s.setString(1, alertId);
      s.setInt(2, stepIndex);
      return s.executeUpdate() == 1;
    }
  }

  /** Cancels the alert's pending escalations (it was acknowledged or resolved). */
  public void cancelAll(Connection c, String alertId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE alert_escalations SET done = TRUE WHERE alert_id = ? AND done = FALSE")) {
      s.setString(1, alertId);
      s.executeUpdate();
    }
  }
}
