package io.healthscore.scoring.store;

import io.healthscore.runtime.db.Database;
import io.healthscore.scoring.engine.SegmentDistributions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The percentile distributions of each scorecard, as its last rescore built them. */
public final class DistributionStore {
  private final Database database;
  private final CacheNotices notices;
  private final String upsert;

  public DistributionStore(Database database, CacheNotices notices) {
    this.database = database;
    this.notices = notices;
    this.upsert =
        database.dialect().upsertSql("percentile_distributions", List.of("scorecard_id"), List.of("body", "built_at"));
  }

  /** Stores the scorecard's distributions, with a notice so the other replicas load them too. */
  public void save(String scorecardId, SegmentDistributions distributions, long nowMillis) {
    byte[] body = distributions.encode();
    database.inTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement(upsert)) {
            s.setString(1, scorecardId);
            s.setBytes(2, body);
            s.setLong(3, nowMillis);
            s.executeUpdate();
          }
          notices.append(c, List.of(CacheNotices.Notice.distributions(scorecardId)));
          return null;
        });
  }

  public Optional<SegmentDistributions> load(String scorecardId) {
    return Optional.ofNullable(read("SELECT scorecard_id, body FROM percentile_distributions WHERE scorecard_id = ?", scorecardId)
        .get(scorecardId));
  }

  public Map<String, SegmentDistributions> all() {
    return read("SELECT scorecard_id, body FROM percentile_distributions", null);
  }

  private Map<String, SegmentDistributions> read(String sql, String scorecardId) {
    return database.inTransaction(
        c -> {
          Map<String, SegmentDistributions> result = new HashMap<>();
          try (PreparedStatement s = c.prepareStatement(sql)) {
            if (scorecardId != null) {
              s.setString(1, scorecardId);
            }
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                result.put(rs.getString(1), SegmentDistributions.decode(rs.getBytes(2)));
              }
            }
          }
          return result;
        });
  }
}
