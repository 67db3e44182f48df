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
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The table of alert events in cursor order: written by the outbox, streamed by SubscribeAlerts,
 * and read by the dispatcher for what it sends.
 *
 * <p>Appends lock the single counter row first and hold the lock until the caller commits, so
 * events become visible in cursor order and a reader that has seen cursor N never later finds an
 * event below N. Alerts are rare next to signals, so serialising their transactions costs little.
 * Replicas sharing PostgreSQL take the same row lock, so this holds across them.
 *
 * <p>On H2 a commit is visible to other connections before its file sync ends (DurableCommits): a
 * reader could send an event that a kill -9 then loses, and the next append would reuse its
 * cursor. So on H2 a read that found events syncs the store before returning them, and whatever
 * it sends is on disk.
 */
final class AlertEventLog implements CursorLog<AlertEvent> {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  /** The event as stored, and whether this append stored it (false: its key was there already). */
  record Appended(AlertEvent event, boolean isNew) {}

  private final Database db;
  private final boolean syncBeforeSending;

  AlertEventLog(Database db) {
    this.db = db;
    this.syncBeforeSending = db.dialect() == SqlDialect.H2;
  }

  /**
   * Stores the event in {@code tx} with the next cursor. The idempotency key is the event's own
   * when set, else "&lt;alert_id&gt;:&lt;kind&gt;:&lt;n&gt;" for the n-th event of that kind of
   * the alert. An event whose key is already stored is not stored again: the stored one is returned.
   */
  Appended append(Connection tx, AlertEvent event, long nowMs) throws SQLException {
    long last;
    try (PreparedStatement lock =
            tx.prepareStatement(
                "SELECT last_cursor FROM alert_event_counter WHERE counter_id = 1 FOR UPDATE");
        ResultSet rs = lock.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("alert_event_counter has no row; was the delivery schema migrated?");
      }
      last = rs.getLong(1);
    }
    String key = event.getIdempotencyKey();
    if (!key.isEmpty()) {
      Optional<AlertEvent> existing = findByKey(tx, key);
      if (existing.isPresent()) {
        return new Appended(existing.get(), false);
      }
    } else {
      key = generatedKey(tx, event);
    }
    long cursor = last + 1;
    AlertEvent.Builder stored = event.toBuilder().setCursor(cursor).setIdempotencyKey(key);
    if (!event.hasEventTime()) {
      stored.setEventTime(Timestamps.fromMillis(nowMs));
    }
    AlertEvent result = stored.build();
    try (PreparedStatement advance =
        tx.prepareStatement("UPDATE alert_event_counter SET last_cursor = ? WHERE counter_id = 1")) {
      advance.setLong(1, cursor);
      advance.executeUpdate();
    }
    try (PreparedStatement insert =
        tx.prepareStatement(
            "INSERT INTO alert_events (event_cursor, alert_id, kind, idempotency_key, event_ms, event_json) "
                + "VALUES (?, ?, ?, ?, ?, ?)")) {
      insert.setLong(1, cursor);
      insert.setString(2, result.getAlert().getAlertId());
      insert.setInt(3, result.getKindValue());
      insert.setString(4, key);
      insert.setLong(5, Timestamps.toMillis(result.getEventTime()));
      insert.setString(6, PRINTER.print(result));
      insert.executeUpdate();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("an AlertEvent always prints as JSON", e);
    }
    return new Appended(result, true);
  }

  private static String generatedKey(Connection tx, AlertEvent event) throws SQLException {
    long earlier;
    try (PreparedStatement count =
        tx.prepareStatement("SELECT COUNT(*) FROM alert_events WHERE alert_id = ? AND kind = ?")) {
      count.setString(1, event.getAlert().getAlertId());
      count.setInt(2, event.getKindValue());
      try (ResultSet rs = count.executeQuery()) {
        rs.next();
        earlier = rs.getLong(1);
      }
    }
    String kind = event.getKind().name().replaceFirst("^ALERT_EVENT_KIND_", "").toLowerCase(Locale.ROOT);
    return event.getAlert().getAlertId() + ":" + kind + ":" + (earlier + 1);
  }

  private static Optional<AlertEvent> findByKey(Connection tx, String key) throws SQLException {
    try (PreparedStatement s =
        tx.prepareStatement("SELECT event_json FROM alert_events WHERE idempotency_key = ?")) {
      s.setString(1, key);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(parse(rs.getString(1))) : Optional.empty();
      }
    }
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
                  "SELECT event_json FROM alert_events WHERE event_cursor > ? ORDER BY event_cursor LIMIT ?")) {
            s.setLong(1, cursor);
            s.setInt(2, limit);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                events.add(parse(rs.getString(1)));
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

  static AlertEvent parse(String json) {
    AlertEvent.Builder event = AlertEvent.newBuilder();
    try {
      PARSER.merge(json, event);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored alert event is not valid JSON: " + e.getMessage(), e);
    }
    return event.build();
  }
}
