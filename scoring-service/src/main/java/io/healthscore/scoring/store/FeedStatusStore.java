package io.healthscore.scoring.store;

import io.healthscore.runtime.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Since when a feed's applying replica has not followed it, for the replicas that do not apply it. */
public final class FeedStatusStore {
  private final Database database;
  private final CacheNotices notices;
  private final String upsert;

  public FeedStatusStore(Database database, CacheNotices notices) {
    this.database = database;
    this.notices = notices;
    this.upsert = database.dialect().upsertSql("feed_status", List.of("feed"), List.of("unreachable_since"));
  }

  /** Stores the feed's state, with a notice so the other replicas read it again. */
  public void save(String feed, Optional<Instant> unreachableSince) {
    database.inTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement(upsert)) {
            s.setString(1, feed);
            if (unreachableSince.isPresent()) {
              s.setLong(2, unreachableSince.get().toEpochMilli());
            } else {
              s.setNull(2, Types.BIGINT);
            }
            s.executeUpdate();
          }
          notices.append(c, List.of(CacheNotices.Notice.feedStatus()));
          return null;
        });
  }

  public Optional<Instant> load(String feed) {
    return database.inTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement("SELECT unreachable_since FROM feed_status WHERE feed = ?")) {
            s.setString(1, feed);
            try (ResultSet rs = s.executeQuery()) {
              if (!rs.next()) {
                return Optional.<Instant>empty();
              }
              long since = rs.getLong(1);
              return rs.wasNull() ? Optional.<Instant>empty() : Optional.of(Instant.ofEpochMilli(since));
            }
          }
        });
  }
}
