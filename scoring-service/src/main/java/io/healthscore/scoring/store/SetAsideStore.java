package io.healthscore.scoring.store;

import io.healthscore.runtime.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The accounts set aside for a retry, so a restart retries them too. */
public final class SetAsideStore {
  private static final int MAX_ERROR = 1000;

  private final Database database;
  private final String upsert;

  public SetAsideStore(Database database) {
    this.database = database;
    this.upsert =
        database
            .dialect()
            .upsertSql(
                "set_aside_accounts",
                List.of("account_id"),
                List.of("attempts", "next_attempt_at", "first_failed_at", "last_error"));
  }

  public List<SetAsideAccount> all() {
    return database.inTransaction(
        c -> {
          List<SetAsideAccount> result = new ArrayList<>();
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT account_id, attempts, next_attempt_at, first_failed_at, last_error FROM set_aside_accounts");
              ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              result.add(new SetAsideAccount(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getLong(4), rs.getString(5)));
            }
          }
          return result;
        });
  }

  /** Adds or updates the accounts, durably. */
  public void put(Collection<SetAsideAccount> accounts) {
    if (accounts.isEmpty()) {
      return;
    }
    database.inTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement(upsert)) {
            for (SetAsideAccount a : accounts) {
              s.setString(1, a.accountId());
              s.setInt(2, a.attempts());
              s.setLong(3, a.nextAttemptMillis());
              s.setLong(4, a.firstFailedMillis());
              String error = a.lastError();
              s.setString(5, error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error);
              s.addBatch();
            }
            s.executeBatch();
          }
          return null;
        });
  }

  /** Removes the accounts (they applied), durably. */
  public void remove(Collection<String> accountIds) {
    if (accountIds.isEmpty()) {
      return;
    }
    database.inTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement("DELETE FROM set_aside_accounts WHERE account_id = ?")) {
            for (String id : accountIds) {
              s.setString(1, id);
              s.addBatch();
            }
            s.executeBatch();
          }
          return null;
        });
  }
}
