package io.healthscore.alerting.dispatch;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.SqlDialect;
import io.healthscore.runtime.stream.CursorLog;
import io.healthscore.v1.AlertEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table of alert events in cursor order: written by the outbox, streamed by SubscribeAlerts,
 * and read by the dispatcher for what it sends.
 *
 * <p>Appends lock the single counter row and hold the lock until the caller commits, so events
 * become visible in cursor order and a reader that has seen cursor N never later finds an event
 * below N. A transaction appends all its events at its end, in one write, so the lock serialises
 * only those writes and their commits, not the work that raised the events. Replicas sharing
 * PostgreSQL take the same row lock, so this holds across them.
 *
 * <p>On H2 a commit is visible to other connections before its file sync ends (DurableCommits): a
 * reader could send an event that a kill -9 then loses, and the next append would reuse its
 * cursor. So on H2 a read that found events syncs the store before returning them, and whatever
 * it sends is on disk.
 */
final class AlertEventLog implements CursorLog<AlertEvent> {
  /** Reads rows stored before events were kept as bytes (migration V4). */
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  /** The event as stored, and whether this append stored it (false: its key was there already). */
  record Appended(AlertEvent event, boolean isNew) {}

  /** Idempotency keys looked up per query: enough for a feed batch in a few, within every driver's limits. */
  private static final int KEYS_PER_QUERY = 500;

  private final Database db;
  private final boolean syncBeforeSending;

  AlertEventLog(Database db) {
    this.db = db;
    this.syncBeforeSending = db.dialect() == SqlDialect.H2;
  }

  /**
   * Stores the events in {@code tx}, in order, with the next cursors: one lock of the counter, one
   * update of it and one batch of inserts for all of them, so the lock (held until {@code tx}
   * commits) is taken at the end of the caller's work, not at its first event. The idempotency key
   * is the event's own when set, else "&lt;alert_id&gt;:&lt;kind&gt;:&lt;n&gt;" for the n-th event
   * of that kind of the alert. An event whose key is already stored (or earlier in {@code events})
   * is not stored again: the stored one is returned.
   */
  List<Appended> append(Connection tx, List<AlertEvent> events, long nowMs) throws SQLException {
    long last = lockCounter(tx);
    Map<String, AlertEvent> byKey = findByKeys(tx, events.stream().map(AlertEvent::getIdempotencyKey)
        .filter(k -> !k.isEmpty()).distinct().toList());
    Map<String, Long> generated = new HashMap<>();
    List<Appended> appended = new ArrayList<>(events.size());
    List<AlertEvent> stored = new ArrayList<>();
    for (AlertEvent event : events) {
      String key = event.getIdempotencyKey().isEmpty() ? generatedKey(tx, event, generated) : event.getIdempotencyKey();
      AlertEvent existing = byKey.get(key);
      if (existing != null) {
        appended.add(new Appended(existing, false));
        continue;
      }
      AlertEvent.Builder next = event.toBuilder().setCursor(++last).setIdempotencyKey(key);
      if (!event.hasEventTime()) {
        next.setEventTime(Timestamps.fromMillis(nowMs));
      }
      AlertEvent result = next.build();
      byKey.put(key, result);
      stored.add(result);
      appended.add(new Appended(result, true));
    }
    if (!stored.isEmpty()) {
      insert(tx, stored);
      try (PreparedStatement advance =
          tx.prepareStatement("UPDATE alert_event_counter SET last_cursor = ? WHERE counter_id = 1")) {
        advance.setLong(1, last);
        advance.executeUpdate();
      }
    }
    return appended;
  }

  private static long lockCounter(Connection tx) throws SQLException {
    try (PreparedStatement lock =
            tx.prepareStatement(
                "SELECT last_cursor FROM alert_event_counter WHERE counter_id = 1 FOR UPDATE");
        ResultSet rs = lock.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("alert_event_counter has no row; was the delivery schema migrated?");
      }
      return rs.getLong(1);
    }
  }

  private static void insert(Connection tx, List<AlertEvent> events) throws SQLException {
    try (PreparedStatement insert =
        tx.prepareStatement(
            "INSERT INTO alert_events (event_cursor, alert_id, kind, idempotency_key, event_ms, event_body) "
                + "VALUES (?, ?, ?, ?, ?, ?)")) {
      for (AlertEvent event : events) {
        insert.setLong(1, event.getCursor());
        insert.setString(2, event.getAlert().getAlertId());
        insert.setInt(3, event.getKindValue());
        insert.setString(4, event.getIdempotencyKey());
        insert.setLong(5, Timestamps.toMillis(event.getEventTime()));
        insert.setBytes(6, event.toByteArray());
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  /** The next generated key of the event's alert and kind, counting those earlier in the same append. */
  private static String generatedKey(Connection tx, AlertEvent event, Map<String, Long> generated)
      throws SQLException {
    String alertKind = event.getAlert().getAlertId() + "/" + event.getKindValue();
    Long earlier = generated.get(alertKind);
    if (earlier == null) {
      try (PreparedStatement count =
          tx.prepareStatement("SELECT COUNT(*) FROM alert_events WHERE alert_id = ? AND kind = ?")) {
        count.setString(1, event.getAlert().getAlertId());
        count.setInt(2, event.getKindValue());
        try (ResultSet rs = count.executeQuery()) {
          rs.next();
          earlier = rs.getLong(1);
        }
      }
    }
    generated.put(alertKind, earlier + 1);
    String kind = event.getKind().name().replaceFirst("^ALERT_EVENT_KIND_", "").toLowerCase(Locale.ROOT);
    return event.getAlert().getAlertId() + ":" + kind + ":" + (earlier + 1);
  }

  /** The stored events of the keys, by key, read {@value #KEYS_PER_QUERY} keys per query. */
  private static Map<String, AlertEvent> findByKeys(Connection tx, List<String> keys) throws SQLException {
    Map<String, AlertEvent> found = new HashMap<>();
    for (int from = 0; from < keys.size(); from += KEYS_PER_QUERY) {
      List<String> part = keys.subList(from, Math.min(keys.size(), from + KEYS_PER_QUERY));
      try (PreparedStatement s = tx.prepareStatement("SELECT idempotency_key, event_body, event_json FROM alert_events "
          + "WHERE idempotency_key IN (" + String.join(", ", Collections.nCopies(part.size(), "?")) + ")")) {
        for (int i = 0; i < part.size(); i++) {
          s.setString(i + 1, part.get(i));
        }
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            found.put(rs.getString(1), read(rs, 2, 3));
          }
        }
      }
    }
    return found;
  }

  /**
   * Deletes up to {@code limit} events from before {@code beforeMs} that no delivery row refers to
   * any more (a pending or dead delivery still needs its event). The cursor counter is a row of its
   * own, so cursors never restart however many events go.
   */
  int deleteBefore(long beforeMs, int limit) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM alert_events WHERE event_cursor IN (SELECT e.event_cursor FROM alert_events e "
                      + "WHERE e.event_ms < ? AND NOT EXISTS (SELECT 1 FROM alert_deliveries d "
                      + "WHERE d.event_cursor = e.event_cursor) ORDER BY e.event_cursor LIMIT ?)")) {
            s.setLong(1, beforeMs);
            s.setInt(2, limit);
            return s.executeUpdate();
          }
        });
  }

  /** Up to {@code limit} events after {@code cursor}, in cursor order. */
  @Override
  public List<AlertEvent> after(long cursor, int limit) {
    return db.read(
        c -> {
          List<AlertEvent> events = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT event_body, event_json FROM alert_events WHERE event_cursor > ? ORDER BY event_cursor LIMIT ?")) {
            s.setLong(1, cursor);
            s.setInt(2, limit);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                events.add(read(rs, 1, 2));
              }
            }
          }
          if (syncBeforeSending && !events.isEmpty()) {
            try (Statement sync = c.createStatement()) {
              sync.execute("CHECKPOINT SYNC");
            }
          }
          return events;
        });
  }

  @Override
  public long cursorOf(AlertEvent event) {
    return event.getCursor();
  }

  /**
   * The event of the current row from its bytes column, or from its JSON column when the row was
   * written before events were stored as bytes.
   */
  static AlertEvent read(ResultSet rs, int bodyColumn, int jsonColumn) throws SQLException {
    byte[] body = rs.getBytes(bodyColumn);
    try {
      if (body != null) {
        return AlertEvent.parseFrom(body);
      }
      AlertEvent.Builder event = AlertEvent.newBuilder();
      PARSER.merge(rs.getString(jsonColumn), event);
      return event.build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored alert event does not parse: " + e.getMessage(), e);
    }
  }
}
