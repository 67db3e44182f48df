package io.healthscore.runtime.db;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What a replica changed that every replica sharing its database holds in memory. Writers append
 * notices in the transaction of the change itself, so a change and its notice commit together;
 * every replica reads the notices of the others in id order and refreshes what they name ({@link
 * CacheNoticeFollower}). Ids are handed out under the lock of a counter row, so they are
 * consecutive and commit in order: a reader that finds a gap after its position has lost notices
 * to retention and must refresh everything.
 *
 * <p>A notice is a kind (a small number the service defines) and up to two keys; the service's
 * tables are named by {@link Tables}.
 */
public final class CacheNoticeLog {
  /** One thing that changed: a kind code (0 to 255) and its keys ("" when unused). */
  public record Notice(int kind, String first, String second) {}

  /** The notices of one transaction, as stored. */
  public record Entry(long id, String origin, List<Notice> notices) {}

  /**
   * Where the notices live: a table {@code (notice_id BIGINT PRIMARY KEY, origin VARCHAR, notice_time
   * BIGINT, body BYTEA)} and the column of the counter row ({@code counter_id = 1}) numbering them.
   */
  public record Tables(String notices, String counterTable, String counterColumn) {}

  /** How long notices are kept: far longer than any replica takes to read them. */
  public static final Duration RETENTION = Duration.ofHours(1);

  private final Database database;
  private final String origin;
  private final Tables tables;

  /** Notices written through this instance carry {@code origin}, the replica's id. */
  public CacheNoticeLog(Database database, String origin, Tables tables) {
    this.database = database;
    this.origin = origin;
    this.tables = tables;
  }

  public String origin() {
    return origin;
  }

  /** Appends the notices, as one entry, inside the caller's transaction. Nothing when empty. */
  public void append(Connection c, Collection<Notice> notices) throws SQLException {
    if (notices.isEmpty()) {
      return;
    }
    long id;
    try (PreparedStatement lock =
            c.prepareStatement("SELECT " + tables.counterColumn() + " FROM " + tables.counterTable()
                + " WHERE counter_id = 1 FOR UPDATE");
        ResultSet rs = lock.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException(tables.counterTable() + " has no row; was the schema migrated?");
      }
      id = rs.getLong(1) + 1;
    }
    try (PreparedStatement advance = c.prepareStatement(
        "UPDATE " + tables.counterTable() + " SET " + tables.counterColumn() + " = ? WHERE counter_id = 1")) {
      advance.setLong(1, id);
      advance.executeUpdate();
    }
    try (PreparedStatement insert = c.prepareStatement(
        "INSERT INTO " + tables.notices() + " (notice_id, origin, notice_time, body) VALUES (?, ?, ?, ?)")) {
      insert.setLong(1, id);
      insert.setString(2, origin);
      insert.setLong(3, System.currentTimeMillis());
      insert.setBytes(4, encode(notices));
      insert.executeUpdate();
    }
  }

  /** The id of the newest notice committed; 0 when there is none. */
  public long lastId() {
    return database.inTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement(
                  "SELECT " + tables.counterColumn() + " FROM " + tables.counterTable() + " WHERE counter_id = 1");
              ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0L;
          }
        });
  }

  /** Up to {@code limit} entries after {@code afterId}, in id order. */
  public List<Entry> after(long afterId, int limit) {
    return database.inTransaction(
        c -> {
          List<Entry> result = new ArrayList<>();
          try (PreparedStatement s = c.prepareStatement("SELECT notice_id, origin, body FROM " + tables.notices()
              + " WHERE notice_id > ? ORDER BY notice_id LIMIT ?")) {
            s.setLong(1, afterId);
            s.setInt(2, limit);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                result.add(new Entry(rs.getLong(1), rs.getString(2), decode(rs.getBytes(3))));
              }
            }
          }
          return result;
        });
  }

  /** Deletes notices older than {@code beforeMillis}; returns how many. */
  public int prune(long beforeMillis) {
    return database.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("DELETE FROM " + tables.notices() + " WHERE notice_time < ?")) {
            s.setLong(1, beforeMillis);
            return s.executeUpdate();
          }
        });
  }

  private static byte[] encode(Collection<Notice> notices) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(notices.size());
      for (Notice n : notices) {
        out.writeByte(n.kind());
        out.writeUTF(n.first());
        out.writeUTF(n.second());
      }
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  private static List<Notice> decode(byte[] body) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      int n = in.readInt();
      List<Notice> notices = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        notices.add(new Notice(in.readUnsignedByte(), in.readUTF(), in.readUTF()));
      }
      return notices;
    } catch (IOException e) {
      throw new DatabaseException("stored cache notice is corrupt", e);
    }
  }
}
