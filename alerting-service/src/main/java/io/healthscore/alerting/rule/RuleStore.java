package io.healthscore.alerting.rule;

import com.google.protobuf.InvalidProtocolBufferException;
import io.healthscore.alerting.support.Times;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.Rule;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Rules and their versions. Every put stores a new version (versions keep counting across a delete
 * and re-create, so a version number never names two different rules); every version is kept in
 * alert_rule_versions so an alert's rule_version can always be looked up.
 */
public final class RuleStore {
  private final Database database;
  private final Clock clock;

  public RuleStore(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  /** Stores the rule as a new version and returns it with its version and update time. */
  public Rule put(Rule rule) {
    return database.inTransaction(c -> put(c, rule));
  }

  /**
   * Stores the rule unless the current version already says the same (ignoring version and update
   * time), so loading the same YAML at every start does not add versions. Returns the current rule.
   */
  public Rule putIfChanged(Rule rule) {
    return database.inTransaction(
        c -> {
          Optional<Rule> current = get(c, rule.getRuleId());
          if (current.isPresent() && withoutOutputs(current.get()).equals(withoutOutputs(rule))) {
            return current.get();
          }
          return put(c, rule);
        });
  }

  private Rule put(Connection c, Rule rule) throws SQLException {
    long version = lastVersion(c, rule.getRuleId()) + 1;
    long now = clock.millis();
    Rule stored = rule.toBuilder().setVersion(version).setUpdateTime(Times.toTimestamp(now)).build();
    byte[] body = stored.toByteArray();
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO alert_rule_versions (rule_id, version, body, deleted, updated_ms) VALUES (?, ?, ?, FALSE, ?)")) {
      s.setString(1, rule.getRuleId());
      s.setLong(2, version);
      s.setBytes(3, body);
      s.setLong(4, now);
      s.executeUpdate();
    }
    try (PreparedStatement s =
        c.prepareStatement(database.dialect().upsertSql("alert_rules", List.of("rule_id"),
            List.of("version", "body", "updated_ms")))) {
      s.setString(1, rule.getRuleId());
      s.setLong(2, version);
      s.setBytes(3, body);
      s.setLong(4, now);
      s.executeUpdate();
    }
    return stored;
  }

  private static long lastVersion(Connection c, String ruleId) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("SELECT MAX(version) FROM alert_rule_versions WHERE rule_id = ?")) {
      s.setString(1, ruleId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  public Optional<Rule> get(String ruleId) {
    return database.read(c -> get(c, ruleId));
  }

  public Optional<Rule> get(Connection c, String ruleId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT body FROM alert_rules WHERE rule_id = ?")) {
      s.setString(1, ruleId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(parse(rs.getBytes(1))) : Optional.empty();
      }
    }
  }

  /** Every current rule, ordered by id. */
  public List<Rule> list() {
    return database.read(this::list);
  }

  public List<Rule> list(Connection c) throws SQLException {
    List<Rule> rules = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT body FROM alert_rules ORDER BY rule_id");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        rules.add(parse(rs.getBytes(1)));
      }
    }
    return rules;
  }

  /** Deletes the rule inside the caller's transaction, recording a tombstone version. Returns false if absent. */
  public boolean delete(Connection c, String ruleId) throws SQLException {
    Optional<Rule> current = get(c, ruleId);
    if (current.isEmpty()) {
      return false;
    }
    try (PreparedStatement s = c.prepareStatement("DELETE FROM alert_rules WHERE rule_id = ?")) {
      s.setString(1, ruleId);
      s.executeUpdate();
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO alert_rule_versions (rule_id, version, body, deleted, updated_ms) VALUES (?, ?, ?, TRUE, ?)")) {
      s.setString(1, ruleId);
      s.setLong(2, lastVersion(c, ruleId) + 1);
      s.setBytes(3, current.get().toByteArray());
      s.setLong(4, clock.millis());
      s.executeUpdate();
    }
    return true;
  }

  private static Rule withoutOutputs(Rule rule) {
    return rule.toBuilder().clearVersion().clearUpdateTime().build();
  }

  private static Rule parse(byte[] body) {
    try {
      return Rule.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored rule is corrupt", e);
    }
  }
}
