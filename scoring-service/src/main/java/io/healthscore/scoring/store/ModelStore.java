package io.healthscore.scoring.store;

import io.healthscore.runtime.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Trained churn models, every version kept. Activating one deactivates the previous active model
 * of its scorecard (learned models, which have no scorecard, share the empty scorecard id). A
 * model's shadow state lives in its stored report (CalibrationReport.state), so a state change
 * rewrites the report. Every write appends a cache notice, so the other replicas load the models
 * again.
 */
public final class ModelStore {
  private static final String COLUMNS =
      "model_id, scorecard_id, horizon_days, created_at, active, body, report";

  private final Database database;
  private final CacheNotices notices;

  public ModelStore(Database database, CacheNotices notices) {
    this.database = database;
    this.notices = notices;
  }

  /** Stores a model; when it is active, the scorecard's other models become inactive. */
  public void save(StoredModel m) {
    database.inTransaction(
        c -> {
          save(c, m);
          return null;
        });
  }

  public void save(Connection c, StoredModel m) throws SQLException {
    notices.append(c, List.of(CacheNotices.Notice.models()));
    if (m.active()) {
      try (PreparedStatement s =
          c.prepareStatement("UPDATE models SET active = FALSE WHERE scorecard_id = ? AND active = TRUE")) {
        s.setString(1, m.scorecardId());
        s.executeUpdate();
      }
    }
    try (PreparedStatement s =
        c.prepareStatement("INSERT INTO models (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, m.modelId());
      s.setString(2, m.scorecardId());
      s.setInt(3, m.horizonDays());
      s.setLong(4, m.createdAtMillis());
      s.setBoolean(5, m.active());
      s.setBytes(6, m.body());
      s.setBytes(7, m.report());
      s.executeUpdate();
    }
  }

  /**
   * Sets whether a model is served and rewrites its report (which carries the shadow state); when
   * it becomes active, the other models of its scorecard stop being active.
   */
  public void setState(StoredModel m, boolean active, byte[] report) {
    database.inTransaction(
        c -> {
          notices.append(c, List.of(CacheNotices.Notice.models()));
          if (active) {
            try (PreparedStatement s =
                c.prepareStatement("UPDATE models SET active = FALSE WHERE scorecard_id = ? AND active = TRUE")) {
              s.setString(1, m.scorecardId());
              s.executeUpdate();
            }
          }
          try (PreparedStatement s = c.prepareStatement("UPDATE models SET active = ?, report = ? WHERE model_id = ?")) {
            s.setBoolean(1, active);
            s.setBytes(2, report);
            s.setString(3, m.modelId());
            s.executeUpdate();
          }
          return null;
        });
  }

  /** Every stored model, newest first. */
  public List<StoredModel> all() {
    return query("SELECT " + COLUMNS + " FROM models ORDER BY created_at DESC, model_id DESC");
  }

  public Optional<StoredModel> get(String modelId) {
    List<StoredModel> found = query("SELECT " + COLUMNS + " FROM models WHERE model_id = ?", modelId);
    return found.stream().findFirst();
  }

  /** The active model of every scorecard that has one. */
  public List<StoredModel> active() {
    return query("SELECT " + COLUMNS + " FROM models WHERE active = TRUE ORDER BY scorecard_id");
  }

  private List<StoredModel> query(String sql, String... args) {
    return database.inTransaction(
        c -> {
          List<StoredModel> result = new ArrayList<>();
          try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
              s.setString(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                result.add(
                    new StoredModel(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getInt(3),
                        rs.getLong(4),
                        rs.getBoolean(5),
                        rs.getBytes(6),
                        rs.getBytes(7)));
              }
            }
          }
          return result;
        });
  }
}
