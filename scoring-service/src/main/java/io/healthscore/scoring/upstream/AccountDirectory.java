package io.healthscore.scoring.upstream;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every account's segment, stage, parent, owner and MRR, held in memory so scoring never waits on
 * signals-service for them. Loaded with ListAccounts at start; refreshed per account from the
 * change feed (CHANGE_KIND_ACCOUNT) with GetAccount; an unknown account asked for by a client is
 * looked up once with GetAccount.
 */
public final class AccountDirectory {
  private final AccountSource source;
  private final Map<String, AccountInfo> accounts = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> childrenByParent = new ConcurrentHashMap<>();

  public AccountDirectory(AccountSource source) {
    this.source = source;
  }

  /** Loads every account; returns how many. */
  public int loadAll() {
    source.forEachAccount(this::put);
    return accounts.size();
  }

  /** The account, asking signals-service when it is not known here yet. */
  public Optional<AccountInfo> get(String accountId) {
    AccountInfo known = accounts.get(accountId);
    if (known != null) {
      return Optional.of(known);
    }
    return refresh(accountId);
  }

  /**
   * The accounts known here and, asked for together from signals-service, those not known yet;
   * an account signals-service does not know is absent.
   */
  public Map<String, AccountInfo> getAll(Collection<String> accountIds) {
    Map<String, AccountInfo> found = new HashMap<>();
    List<String> unknown = new ArrayList<>();
    for (String id : accountIds) {
      AccountInfo known = accounts.get(id);
      if (known != null) {
        found.put(id, known);
      } else {
        unknown.add(id);
      }
    }
    if (!unknown.isEmpty()) {
      Map<String, AccountInfo> fresh = source.accounts(unknown);
      fresh.values().forEach(this::put);
      found.putAll(fresh);
    }
    return found;
  }

  /** The account if already known here, without a remote call. */
  public Optional<AccountInfo> cached(String accountId) {
    return Optional.ofNullable(accounts.get(accountId));
  }

  /** Reads the account again from signals-service (after it changed). */
  public Optional<AccountInfo> refresh(String accountId) {
    Optional<AccountInfo> fresh = source.account(accountId);
    fresh.ifPresent(this::put);
    return fresh;
  }

  /** Reads these accounts again from signals-service (after they changed), concurrently. */
  public void refreshAll(Collection<String> accountIds) {
    source.accounts(accountIds).values().forEach(this::put);
  }

  /** Adds or replaces an account, keeping the parent index in step. */
  public void put(AccountInfo info) {
    AccountInfo old = accounts.put(info.accountId(), info);
    if (old != null && old.hasParent() && !old.parentAccountId().equals(info.parentAccountId())) {
      Set<String> siblings = childrenByParent.get(old.parentAccountId());
      if (siblings != null) {
        siblings.remove(info.accountId());
      }
    }
    if (info.hasParent()) {
      childrenByParent
          .computeIfAbsent(info.parentAccountId(), k -> ConcurrentHashMap.newKeySet())
          .add(info.accountId());
    }
  }

  /** The account's direct children. */
  public List<AccountInfo> children(String accountId) {
    Set<String> ids = childrenByParent.get(accountId);
    if (ids == null || ids.isEmpty()) {
      return List.of();
    }
    List<AccountInfo> result = new ArrayList<>(ids.size());
    for (String id : ids) {
      AccountInfo child = accounts.get(id);
      if (child != null) {
        result.add(child);
      }
    }
    return result;
  }

  public boolean hasChildren(String accountId) {
    Set<String> ids = childrenByParent.get(accountId);
    return ids != null && !ids.isEmpty();
  }

  public Collection<AccountInfo> all() {
    return accounts.values();
  }

  public int size() {
    return accounts.size();
  }
}
