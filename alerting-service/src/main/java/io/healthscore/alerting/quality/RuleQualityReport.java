package io.healthscore.alerting.quality;

import io.healthscore.runtime.db.Database;
import io.healthscore.v1.RuleQuality;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Precision and lead time per rule, computed from the verdicts on its alerts. */
public final class RuleQualityReport {
  private final Database database;

  public RuleQualityReport(Database database) {
    this.database = database;
  }

  /**
   * Quality of the given rules (those without alerts get zeros) plus every other rule that has
   * alerts, ordered by id; only {@code onlyRuleId} when it is not empty.
   */
  public List<RuleQuality> compute(List<String> knownRuleIds, String onlyRuleId) {
    Map<String, RuleQuality> byRule = new TreeMap<>();
    for (String id : knownRuleIds) {
      byRule.put(id, RuleQuality.newBuilder().setRuleId(id).build());
    }
    String sql = "SELECT rule_id, COUNT(*), "
        + "SUM(CASE WHEN verdict = 1 THEN 1 ELSE 0 END), "
        + "SUM(CASE WHEN verdict = 2 THEN 1 ELSE 0 END), "
        + "AVG(CASE WHEN verdict = 1 THEN lead_time_days END) "
        + "FROM alerts" + (onlyRuleId.isEmpty() ? "" : " WHERE rule_id = ?") + " GROUP BY rule_id";
    database.read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        if (!onlyRuleId.isEmpty()) {
          s.setString(1, onlyRuleId);
        }
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            long alerts = rs.getLong(2);
            long tp = rs.getLong(3);
            long fp = rs.getLong(4);
            double lead = rs.getDouble(5);
            boolean hasLead = !rs.wasNull();
            RuleQuality.Builder q = RuleQuality.newBuilder()
                .setRuleId(rs.getString(1))
                .setAlerts(alerts)
                .setTruePositives(tp)
                .setFalsePositives(fp)
                .setPending(alerts - tp - fp);
            if (tp + fp > 0) {
              q.setPrecision((double) tp / (tp + fp));
            }
            if (hasLead) {
              q.setMeanLeadTimeDays(lead);
            }
            byRule.put(q.getRuleId(), q.build());
          }
        }
      }
      return null;
    });
    if (!onlyRuleId.isEmpty()) {
      byRule.keySet().retainAll(List.of(onlyRuleId));
    }
    return List.copyOf(byRule.values());
  }
}
