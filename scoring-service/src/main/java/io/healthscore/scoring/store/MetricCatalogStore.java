package io.healthscore.scoring.store;

import io.healthscore.runtime.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The metric names the portfolio has ever sent, kept across restarts. */
public final class MetricCatalogStore {
  private final Database database;
  private final CacheNotices notices;
  private final String insert;

  public MetricCatalogStore(Database database, CacheNotices notices) {
    this.database = database;
    this.notices = notices;
    this.insert = database.dialect().insertIgnoreSql("portfolio_metrics", List.of("metric"), List.of("metric", "first_seen_at"));
  }

  public Set<String> all() {
    return database.inTransaction(
        c -> {
          Set<String> result = new HashSet<>();
          try (PreparedStatement s = c.prepareStatement("SELECT metric FROM portfolio_metrics");
              ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              result.add(rs.getString(1));
            }
          }
          return result;
        });
  }

  /** Adds the metrics not stored yet, durably, with a notice so other replicas learn them too. */
  public void add(Collection<String> metrics, long nowMillis) {
    if (metrics.isEmpty()) {
      return;
    }
    database.inTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement(insert)) {
            for (String metric : metrics) {
              s.setString(1, metric);
              s.setLong(2, nowMillis);
              s.addBatch();
            }
            s.executeBatch();
          }
          notices.append(c, List.of(CacheNotices.Notice.metrics()));
          return null;
        });
  }
}
