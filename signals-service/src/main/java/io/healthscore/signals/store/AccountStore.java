package io.healthscore.signals.store;

import io.healthscore.runtime.db.Database;
import io.healthscore.signals.store.AccountRecord.BillingPeriod;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import javax.sql.DataSource;

/** Accounts and their attributes in SQL (H2 or PostgreSQL). */
public final class AccountStore {
  private static final String COLUMNS =
      "account_id, name, segment, lifecycle_stage, parent_account_id, plan, licenses, mrr,"
          + " contract_start_millis, renewal_date_millis, billing_period, owner_id,"
          + " create_time_millis, update_time_millis";

  private final DataSource dataSource;

  public AccountStore(Database db) {
    this.dataSource = db.dataSource();
  }

  public Optional<AccountRecord> find(String accountId) {
    return Optional.ofNullable(findAll(List.of(accountId)).get(accountId));
  }

  /** The stored accounts among {@code accountIds}, by id. */
  public Map<String, AccountRecord> findAll(Collection<String> accountIds) {
    return Sql.read(dataSource, c -> findAll(c, accountIds));
  }

  private static Map<String, AccountRecord> findAll(Connection c, Collection<String> accountIds)
      throws SQLException {
    Map<String, AccountRecord> found = new HashMap<>();
    for (List<String> chunk : Sql.chunks(accountIds)) {
      Map<String, AccountRecord> rows = new LinkedHashMap<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT " + COLUMNS + " FROM accounts WHERE account_id IN (" + Sql.placeholders(chunk.size()) + ")")) {
        for (int i = 0; i < chunk.size(); i++) {
          ps.setString(i + 1, chunk.get(i));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            AccountRecord account = read(rs, Map.of());
            rows.put(account.accountId(), account);
          }
        }
      }
      Map<String, Map<String, String>> attributes = attributesOf(c, rows.keySet());
      rows.forEach((id, account) -> found.put(id, withAttributes(account, attributes.get(id))));
    }
    return found;
  }

  /**
   * Accounts after {@code afterAccountId} in id order matching {@code filter}, at most {@code
   * limit}.
   */
  public List<AccountRecord> list(AccountFilter filter, String afterAccountId, int limit) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM accounts WHERE account_id > ?");
    List<String> params = new ArrayList<>();
    params.add(afterAccountId);
    addFilter(sql, params, "segment", filter.segment());
    addFilter(sql, params, "lifecycle_stage", filter.lifecycleStage());
    addFilter(sql, params, "owner_id", filter.owner());
    addFilter(sql, params, "parent_account_id", filter.parentAccountId());
    sql.append(" ORDER BY account_id LIMIT ").append(limit);
    return Sql.read(
        dataSource,
        c -> {
          Map<String, AccountRecord> rows = new LinkedHashMap<>();
          try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < params.size(); i++) {
              ps.setString(i + 1, params.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                AccountRecord account = read(rs, Map.of());
                rows.put(account.accountId(), account);
              }
            }
          }
          Map<String, Map<String, String>> attributes = attributesOf(c, rows.keySet());
          List<AccountRecord> page = new ArrayList<>(rows.size());
          rows.forEach((id, account) -> page.add(withAttributes(account, attributes.get(id))));
          return page;
        });
  }

  private static void addFilter(StringBuilder sql, List<String> params, String column, String value) {
    if (!value.isEmpty()) {
      sql.append(" AND ").append(column).append(" = ?");
      params.add(value);
    }
  }

  /**
   * Inserts {@code created}, replaces {@code updated} (attributes included) with their current
   * values, records {@code history} and appends a CHANGE_KIND_ACCOUNT feed entry for each account,
   * in one transaction; returns the feed entries.
   */
  public List<ChangeEntry> write(
      List<AccountRecord> created,
      List<AccountRecord> updated,
      List<AccountHistory.FieldChange> history,
      ChangeFeedStore feed,
      Instant changeTime) {
    List<String> ids = new ArrayList<>();
    created.forEach(a -> ids.add(a.accountId()));
    updated.forEach(a -> ids.add(a.accountId()));
    return feed.inTransactionWithEntries(
            c -> {
              write(c, created, updated);
              writeHistory(c, history);
              return null;
            },
            written -> ids,
            ChangeKind.ACCOUNT,
            changeTime)
        .entries();
  }

  /** A change at the moment of a recorded one of the same field replaces it. */
  private static void writeHistory(Connection c, List<AccountHistory.FieldChange> history) throws SQLException {
    if (history.isEmpty()) {
      return;
    }
    try (PreparedStatement delete =
            c.prepareStatement(
                "DELETE FROM account_field_history WHERE account_id = ? AND field = ? AND effective_millis = ?");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO account_field_history (account_id, field, effective_millis, field_value)"
                    + " VALUES (?, ?, ?, ?)")) {
      for (AccountHistory.FieldChange change : history) {
        delete.setString(1, change.accountId());
        delete.setString(2, change.field());
        delete.setLong(3, change.effectiveMillis());
        delete.addBatch();
        insert.setString(1, change.accountId());
        insert.setString(2, change.field());
        insert.setLong(3, change.effectiveMillis());
        insert.setString(4, change.value());
        insert.addBatch();
      }
      delete.executeBatch();
      insert.executeBatch();
    }
  }

  /** The attribute history of each of {@code accountIds} that has one. */
  public Map<String, AccountHistory> histories(Collection<String> accountIds) {
    return Sql.read(
        dataSource,
        c -> {
          Map<String, List<AccountHistory.FieldChange>> changes = new HashMap<>();
          for (List<String> chunk : Sql.chunks(accountIds)) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT account_id, field, effective_millis, field_value FROM account_field_history"
                        + " WHERE account_id IN (" + Sql.placeholders(chunk.size()) + ")")) {
              for (int i = 0; i < chunk.size(); i++) {
                ps.setString(i + 1, chunk.get(i));
              }
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  changes
                      .computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                      .add(new AccountHistory.FieldChange(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4)));
                }
              }
            }
          }
          Map<String, AccountHistory> histories = new HashMap<>();
          changes.forEach((id, list) -> histories.put(id, AccountHistory.of(list)));
          return histories;
        });
  }

  private static void write(Connection c, List<AccountRecord> created, List<AccountRecord> updated)
      throws SQLException {
    if (!created.isEmpty()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO accounts (" + COLUMNS + ") VALUES (" + Sql.placeholders(14) + ")")) {
        for (AccountRecord a : created) {
          bindAll(ps, a);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    if (!updated.isEmpty()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE accounts SET name = ?, segment = ?, lifecycle_stage = ?, parent_account_id = ?,"
                  + " plan = ?, licenses = ?, mrr = ?, contract_start_millis = ?,"
                  + " renewal_date_millis = ?, billing_period = ?, owner_id = ?,"
                  + " create_time_millis = ?, update_time_millis = ? WHERE account_id = ?")) {
        for (AccountRecord a : updated) {
          bindFields(ps, 1, a);
          ps.setString(14, a.accountId());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      try (PreparedStatement ps =
          c.prepareStatement("DELETE FROM account_attributes WHERE account_id = ?")) {
        for (AccountRecord a : updated) {
          ps.setString(1, a.accountId());
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO account_attributes (account_id, attr_key, attr_value) VALUES (?, ?, ?)")) {
      boolean any = false;
      for (List<AccountRecord> group : List.of(created, updated)) {
        for (AccountRecord a : group) {
          for (Map.Entry<String, String> e : a.attributes().entrySet()) {
            ps.setString(1, a.accountId());
            ps.setString(2, e.getKey());
            ps.setString(3, e.getValue());
            ps.addBatch();
            any = true;
          }
        }
      }
      if (any) {
        ps.executeBatch();
      }
    }
  }

  /** Calls {@code consumer} with (account id, parent account id or "") for every account. */
  public void forEachParent(BiConsumer<String, String> consumer) {
    Sql.read(
        dataSource,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT account_id, parent_account_id FROM accounts")) {
            ps.setFetchSize(10_000);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                consumer.accept(rs.getString(1), rs.getString(2));
              }
            }
          }
          return null;
        });
  }

  /**
   * How many accounts name each of {@code accountIds} as their parent, by id (accounts without
   * children left out), a statement per {@value Sql#IN_CHUNK} accounts.
   */
  public Map<String, Long> countChildren(Collection<String> accountIds) {
    return Sql.read(
        dataSource,
        c -> {
          Map<String, Long> counts = new HashMap<>();
          for (List<String> chunk : Sql.chunks(accountIds)) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT parent_account_id, COUNT(*) FROM accounts WHERE parent_account_id IN ("
                        + Sql.placeholders(chunk.size()) + ") GROUP BY parent_account_id")) {
              Sql.bind(ps, 1, chunk);
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  counts.put(rs.getString(1), rs.getLong(2));
                }
              }
            }
          }
          return counts;
        });
  }


  private static Map<String, Map<String, String>> attributesOf(Connection c, Collection<String> ids)
      throws SQLException {
    Map<String, Map<String, String>> attributes = new HashMap<>();
    if (ids.isEmpty()) {
      return attributes;
    }
    List<String> list = new ArrayList<>(ids);
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT account_id, attr_key, attr_value FROM account_attributes WHERE account_id IN ("
                + Sql.placeholders(list.size())
                + ")")) {
      for (int i = 0; i < list.size(); i++) {
        ps.setString(i + 1, list.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          attributes.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getString(3));
        }
      }
    }
    return attributes;
  }

  private static AccountRecord withAttributes(AccountRecord a, Map<String, String> attributes) {
    if (attributes == null) {
      return a;
    }
    return new AccountRecord(
        a.accountId(), a.name(), a.segment(), a.lifecycleStage(), a.parentAccountId(), a.plan(),
        a.licenses(), a.mrr(), a.contractStart(), a.renewalDate(), a.billingPeriod(), a.owner(),
        attributes, a.createTime(), a.updateTime());
  }

  private static void bindAll(PreparedStatement ps, AccountRecord a) throws SQLException {
    ps.setString(1, a.accountId());
    bindFields(ps, 2, a);
  }

  /** Binds every column after account_id, starting at parameter {@code first}. */
  private static void bindFields(PreparedStatement ps, int first, AccountRecord a) throws SQLException {
    int i = first;
    ps.setString(i++, a.name());
    ps.setString(i++, a.segment());
    ps.setString(i++, a.lifecycleStage());
    ps.setString(i++, a.parentAccountId());
    ps.setString(i++, a.plan());
    ps.setLong(i++, a.licenses());
    ps.setDouble(i++, a.mrr());
    Sql.setNullableLong(ps, i++, a.contractStart() == null ? null : a.contractStart().toEpochMilli());
    Sql.setNullableLong(ps, i++, a.renewalDate() == null ? null : a.renewalDate().toEpochMilli());
    ps.setString(i++, a.billingPeriod().name());
    ps.setString(i++, a.owner());
    ps.setLong(i++, a.createTime().toEpochMilli());
    ps.setLong(i, a.updateTime().toEpochMilli());
  }

  private static AccountRecord read(ResultSet rs, Map<String, String> attributes) throws SQLException {
    Long contractStart = Sql.nullableLong(rs, "contract_start_millis");
    Long renewalDate = Sql.nullableLong(rs, "renewal_date_millis");
    return new AccountRecord(
        rs.getString("account_id"),
        rs.getString("name"),
        rs.getString("segment"),
        rs.getString("lifecycle_stage"),
        rs.getString("parent_account_id"),
        rs.getString("plan"),
        rs.getLong("licenses"),
        rs.getDouble("mrr"),
        contractStart == null ? null : Instant.ofEpochMilli(contractStart),
        renewalDate == null ? null : Instant.ofEpochMilli(renewalDate),
        BillingPeriod.valueOf(rs.getString("billing_period")),
        rs.getString("owner_id"),
        attributes,
        Instant.ofEpochMilli(rs.getLong("create_time_millis")),
        Instant.ofEpochMilli(rs.getLong("update_time_millis")));
  }
}
