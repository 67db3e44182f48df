package io.healthscore.scoring.store;

import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.DatabaseException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What a replica changed that every replica holds in memory: a score, an override, a scorecard,
 * the models, an account. Writers append a notice in the transaction of the change itself, so a
 * change and its notice commit together; every replica reads the notices of the others in id order
 * and refreshes what they name (ReplicaSync). Ids are handed out under the lock of the
 * score_change_counter row, so they are consecutive and commit in order: a reader that finds a gap
 * after its position has lost notices to retention and must refresh everything.
 */
public final class CacheNotices {
  /** What a notice names; the code is what is stored. */
  public enum Kind {
    /** A score row or its removal: account and scorecard. */
    SCORE(1),
    /** An override set or cleared: account and scorecard. */
    OVERRIDE(2),
    /** A new scorecard version: scorecard. */
    SCORECARD(3),
    /** A model stored or its state changed. */
    MODELS(4),
    /** An account edited at signals-service: account. */
    ACCOUNT(5);

    final int code;

    Kind(int code) {
      this.code = code;
    }

    static Kind of(int code) {
      for (Kind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      throw new DatabaseException("unknown cache notice kind " + code, null);
    }
  }

  /** One thing that changed. */
  public record Notice(Kind kind, String accountId, String scorecardId) {
    public static Notice score(String accountId, String scorecardId) {
      return new Notice(Kind.SCORE, accountId, scorecardId);
    }

    public static Notice override(String accountId, String scorecardId) {
      return new Notice(Kind.OVERRIDE, accountId, scorecardId);
    }

    public static Notice scorecard(String scorecardId) {
      return new Notice(Kind.SCORECARD, "", scorecardId);
    }

    public static Notice models() {
      return new Notice(Kind.MODELS, "", "");
    }

    public static Notice account(String accountId) {
      return new Notice(Kind.ACCOUNT, accountId, "");
    }
  }

  /** The notices of one transaction, as stored. */
  public record Entry(long id, String origin, List<Notice> notices) {}

  private final Database database;
  private final String origin;

  /** Notices written through this instance carry {@code origin}, the replica's id. */
  public CacheNotices(Database database, String origin) {
    this.database = database;
    this.origin = origin;
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
            c.prepareStatement("SELECT last_notice FROM score_change_counter WHERE counter_id = 1 FOR UPDATE");
        ResultSet rs = lock.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("score_change_counter has no row; was the scoring schema migrated?");
      }
      id = rs.getLong(1) + 1;
    }
    try (PreparedStatement advance =
        c.prepareStatement("UPDATE score_change_counter SET last_notice = ? WHERE counter_id = 1")) {
      advance.setLong(1, id);
      advance.executeUpdate();
    }
    try (PreparedStatement insert =
        c.prepareStatement("INSERT INTO cache_notices (notice_id, origin, notice_time, body) VALUES (?, ?, ?, ?)")) {
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
          try (PreparedStatement s =
                  c.prepareStatement("SELECT last_notice FROM score_change_counter WHERE counter_id = 1");
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
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT notice_id, origin, body FROM cache_notices WHERE notice_id > ? ORDER BY notice_id LIMIT ?")) {
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
          try (PreparedStatement s = c.prepareStatement("DELETE FROM cache_notices WHERE notice_time < ?")) {
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
        out.writeByte(n.kind().code);
        out.writeUTF(n.accountId());
        out.writeUTF(n.scorecardId());
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
        notices.add(new Notice(Kind.of(in.readUnsignedByte()), in.readUTF(), in.readUTF()));
      }
      return notices;
    } catch (IOException e) {
      throw new DatabaseException("stored cache notice is corrupt", e);
    }
  }
}
