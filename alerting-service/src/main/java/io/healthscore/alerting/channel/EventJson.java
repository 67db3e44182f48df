package io.healthscore.alerting.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertEvent;
import java.time.Instant;
import java.util.Locale;

/**
 * The webhook body and the log channel's line: a flat, documented JSON object (docs/delivery.md)
 * rather than the proto's JSON mapping, so receivers in any language read it without our protos.
 */
public final class EventJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private EventJson() {}

  /** The JSON object describing the event. */
  public static String of(AlertEvent event) {
    Alert alert = event.getAlert();
    ObjectNode node = MAPPER.createObjectNode();
    node.put("idempotency_key", event.getIdempotencyKey());
    node.put("event_cursor", event.getCursor());
    node.put("kind", shortName(event.getKind().name(), "ALERT_EVENT_KIND_"));
    node.put("event_time", iso(event.getEventTime()));
    node.put("alert_id", alert.getAlertId());
    node.put("rule_id", alert.getRuleId());
    node.put("rule_version", alert.getRuleVersion());
    node.put("account_id", alert.getAccountId());
    node.put("severity", shortName(alert.getSeverity().name(), "SEVERITY_"));
    node.put("state", shortName(alert.getState().name(), "ALERT_STATE_"));
    node.put("reason", alert.getReason());
    node.put("opened_at", iso(alert.getOpenedAt()));
    node.put("dedup_key", alert.getDedupKey());
    node.put("assignee", alert.getAssignee());
    node.put("scorecard_id", alert.getScorecardId());
    if (alert.hasScore()) {
      node.put("score", alert.getScore());
    } else {
      node.putNull("score");
    }
    node.put("band", shortName(alert.getBand().name(), "BAND_"));
    node.put("escalated", alert.getEscalated());
    node.put("acknowledged_by", emptyAsNull(alert.getAcknowledgedBy()));
    node.put("resolved_by", emptyAsNull(alert.getResolvedBy()));
    return node.toString();
  }

  private static String emptyAsNull(String s) {
    return s.isEmpty() ? null : s;
  }

  /** "ALERT_EVENT_KIND_OPENED" → "opened"; unset values become "unspecified". */
  static String shortName(String enumName, String prefix) {
    String name = enumName.startsWith(prefix) ? enumName.substring(prefix.length()) : enumName;
    return name.toLowerCase(Locale.ROOT);
  }

  /** ISO-8601 in UTC, or null when unset. */
  static String iso(Timestamp t) {
    if (t.getSeconds() == 0 && t.getNanos() == 0) {
      return null;
    }
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
  }
}
