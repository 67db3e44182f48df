package io.healthscore.runtime.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Where each stream consumer stopped reading, so a restart resumes there: at-least-once delivery
 * with idempotent consumers. Save the cursor in the same transaction as the effects of the events
 * it covers ({@link #save(Connection, String, long)}) and nothing is applied twice or skipped.
 */
public final class CursorStore {
  static final String MIGRATIONS = "io/healthscore/runtime/db/cursors";

  private final Database database;
  private final String upsert;

  /** Creates the stream_cursors table if needed. */
  public CursorStore(Database database) {
    this.database = database;
    database.migrate(MIGRATIONS, Database.RUNTIME_OWNER);
    this.upsert =
        database
            .dialect()
            .upsertSql("stream_cursors", List.of("consumer"), List.of("cursor_value", "updated_at"));
  }

  /** The saved cursor of {@code consumer}, or 0 when it has never saved one. */
  public long load(String consumer) {
    return database.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("SELECT cursor_value FROM stream_cursors WHERE consumer = ?")) {
            s.setString(1, consumer);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? rs.getLong(1) : 0L;
            }
          }
        });
  }

  /** Saves the cursor in a transaction of its own. */
  public void save(String consumer, long cursor) {
    database.inTransaction(
        c -> {
          save(c, consumer, cursor);
          return null;
        });
  }

  /** Saves the cursor inside the caller's transaction; it commits with the caller's work. */
  public void save(Connection connection, String consumer, long cursor) throws SQLException {
    try (PreparedStatement s = connection.prepareStatement(upsert)) {
      s.setString(1, consumer);
      s.setLong(2, cursor);
      s.setObject(3, OffsetDateTime.now(ZoneOffset.UTC));
      s.executeUpdate();
    }
  }
}
