package io.healthscore.signals.store;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every known account id with its parent, in memory, so that checking the accounts of a batch of
 * signals costs hash lookups instead of a SQL query per signal. Loaded at start and updated on
 * every upsert; ids another replica created since are looked up in SQL once, on first sight.
 */
public final class AccountDirectory {
  private final AccountStore store;
  private final Map<String, String> parentById = new ConcurrentHashMap<>();

  private AccountDirectory(AccountStore store) {
    this.store = store;
  }

  /** Loads every account id from the store. */
  public static AccountDirectory load(AccountStore store) {
    AccountDirectory directory = new AccountDirectory(store);
    store.forEachParent(directory.parentById::put);
    return directory;
  }

  public boolean contains(String accountId) {
    return parentById.containsKey(accountId);
  }

  /** The parent's id, "" for a top-level account, null for an unknown account. */
  public String parentOf(String accountId) {
    return parentById.get(accountId);
  }

  public void put(String accountId, String parentAccountId) {
    parentById.put(accountId, parentAccountId);
  }

  /**
   * The ids among {@code accountIds} that are neither in memory nor in the store (written by
   * another replica since this one loaded); the ones found in the store are remembered.
   */
  public Set<String> unknownAmong(Collection<String> accountIds) {
    Set<String> missing = new HashSet<>();
    for (String id : accountIds) {
      if (!parentById.containsKey(id)) {
        missing.add(id);
      }
    }
    if (missing.isEmpty()) {
      return missing;
    }
    store.findAll(missing).forEach((id, account) -> parentById.put(id, account.parentAccountId()));
    missing.removeIf(parentById::containsKey);
    return missing;
  }
}
