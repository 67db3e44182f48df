package io.healthscore.alerting.feed;

import io.healthscore.runtime.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The alert_feed_parked table: feed changes that failed to apply on their own, set aside so their
 * feed could move on, each with its attempts and the time of its next retry.
 */
final class ParkedChanges {
  private static final int MAX_ERROR_LENGTH = 1000;

  /** One parked change: its feed, cursor, the change as sent, and how often it failed. */
  record Parked(String consumer, long cursor, byte[] payload, int attempts) {}

  private final Database database;

  ParkedChanges(Database database) {
    this.database = database;
  }

  /** Sets a change aside in the caller's transaction; parking it again (a replayed batch) changes nothing. */
  void park(Connection c, String consumer, long cursor, byte[] payload, String error, long nextRetryMs)
      throws SQLException {
    try (PreparedStatement exists = c.prepareStatement(
        "SELECT 1 FROM alert_feed_parked WHERE consumer = ? AND item_cursor = ?")) {
      exists.setString(1, consumer);
      exists.setLong(2, cursor);
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
    }
    try (PreparedStatement s = c.prepareStatement("INSERT INTO alert_feed_parked (consumer, item_cursor, payload, "
        + "attempts, next_retry_ms, last_error) VALUES (?, ?, ?, 1, ?, ?)")) {
      s.setString(1, consumer);
      s.setLong(2, cursor);
      s.setBytes(3, payload);
      s.setLong(4, nextRetryMs);
      s.setString(5, truncate(error));
      s.executeUpdate();
    }
  }

  /** Up to {@code limit} changes of the feed whose retry is due, oldest cursor first. */
  List<Parked> due(String consumer, long nowMs, int limit) {
    return database.read(c -> {
      List<Parked> due = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT item_cursor, payload, attempts FROM alert_feed_parked "
          + "WHERE consumer = ? AND next_retry_ms <= ? ORDER BY item_cursor LIMIT ?")) {
        s.setString(1, consumer);
        s.setLong(2, nowMs);
        s.setInt(3, limit);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            due.add(new Parked(consumer, rs.getLong(1), rs.getBytes(2), rs.getInt(3)));
          }
        }
      }
      return due;
    });
  }

  /** Removes a change that applied, in the caller's transaction. */
  void remove(Connection c, Parked parked) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "DELETE FROM alert_feed_parked WHERE consumer = ? AND item_cursor = ?")) {
      s.setString(1, parked.consumer());
      s.setLong(2, parked.cursor());
      s.executeUpdate();
    }
  }

  /** Records another failed retry and when to try next. */
  void failedAgain(Parked parked, String error, long nextRetryMs) {
    database.inTransaction(c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE alert_feed_parked SET attempts = attempts + 1, "
          + "next_retry_ms = ?, last_error = ? WHERE consumer = ? AND item_cursor = ?")) {
        s.setLong(1, nextRetryMs);
        s.setString(2, truncate(error));
        s.setString(3, parked.consumer());
        s.setLong(4, parked.cursor());
        s.executeUpdate();
      }
      return null;
    });
  }

  /** How many changes of the feed wait. */
  long count(String consumer) {
    return database.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM alert_feed_parked WHERE consumer = ?")) {
        s.setString(1, consumer);
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  private static String truncate(String error) {
    String e = error == null ? "" : error;
    return e.length() <= MAX_ERROR_LENGTH ? e : e.substring(0, MAX_ERROR_LENGTH);
  }
}
