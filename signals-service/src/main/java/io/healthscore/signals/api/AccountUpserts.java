package io.healthscore.signals.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.healthscore.runtime.error.Violations;
import io.healthscore.signals.feed.ChangeFeed;
import io.healthscore.signals.store.AccountDirectory;
import io.healthscore.signals.store.AccountHistory;
import io.healthscore.signals.store.AccountRecord;
import io.healthscore.signals.store.AccountStore;
import io.healthscore.signals.store.ChangeEntry;
import io.healthscore.v1.Account;
import io.healthscore.v1.BillingPeriod;
import io.healthscore.v1.UpsertAccountsResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates and updates accounts: validates the whole batch (fields, update mask, parents, cycles),
 * then writes it in one transaction, updates the in-memory directory and appends ACCOUNT changes.
 * Upserts run one at a time in this process so that two batches cannot build a cycle together.
 */
public final class AccountUpserts {
  static final int MAX_ID_LENGTH = 128;
  static final int MAX_NAME_LENGTH = 512;
  static final int MAX_TEXT_LENGTH = 256;
  static final int MAX_ATTRIBUTE_VALUE_LENGTH = 2048;
  /** Free attributes per account: enough for a CRM's custom fields, bounded so one account stays small. */
  static final int MAX_ATTRIBUTES = 200;
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
  private static final Set<String> OUTPUT_ONLY = Set.of("account_id", "create_time", "update_time");

  private final AccountStore store;
  private final AccountDirectory directory;
  private final ChangeFeed feed;
  private final Clock clock;
  private final int maxBatch;

  public AccountUpserts(
      AccountStore store, AccountDirectory directory, ChangeFeed feed, Clock clock, int maxBatch) {
    this.store = store;
    this.directory = directory;
    this.feed = feed;
    this.clock = clock;
    this.maxBatch = maxBatch;
  }

  /**
   * Upserts {@code accounts} with values that took effect at {@code effectiveTime} (now when
   * unset), recording each changed field in the attribute history.
   */
  public synchronized UpsertAccountsResponse upsert(
      List<Account> accounts, FieldMask mask, boolean hasEffectiveTime, Timestamp effectiveTime) {
    Violations violations = new Violations();
    Instant now = clock.instant();
    Instant effective = hasEffectiveTime ? effectiveMoment(effectiveTime, now, violations) : now;
    if (accounts.size() > maxBatch) {
      violations.add("accounts", "must hold at most " + maxBatch + " accounts, got " + accounts.size());
      violations.throwIfAny("invalid accounts");
    }
    List<FieldDescriptor> maskFields = maskFields(mask, violations);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < accounts.size(); i++) {
      validateFields(accounts.get(i), "accounts[" + i + "].", seen, violations);
    }
    violations.throwIfAny("invalid accounts");

    long effectiveMillis = effective.toEpochMilli();
    Map<String, AccountRecord> existing =
        store.findAll(accounts.stream().map(Account::getAccountId).toList());
    // A change effective now applies to the current values; one effective earlier to the values of
    // that moment, and may not be the latest change of every field.
    Map<String, AccountHistory> histories = hasEffectiveTime ? store.histories(existing.keySet()) : Map.of();
    Map<String, AccountRecord> merged = new LinkedHashMap<>();
    List<AccountHistory.FieldChange> changes = new ArrayList<>();
    for (Account account : accounts) {
      AccountRecord before = existing.get(account.getAccountId());
      if (before == null) {
        AccountRecord created = ProtoMapping.toRecord(account, now, now);
        changes.addAll(AccountHistory.changes(null, created, effectiveMillis));
        merged.put(account.getAccountId(), created);
        continue;
      }
      AccountHistory history = histories.get(account.getAccountId());
      AccountRecord base = history == null ? before : history.asOf(before, effectiveMillis);
      Account source = maskFields.isEmpty() ? account : applyMask(ProtoMapping.toProto(base), account, maskFields);
      AccountRecord atEffective = ProtoMapping.toRecord(source, before.createTime(), now);
      List<AccountHistory.FieldChange> accountChanges = AccountHistory.changes(base, atEffective, effectiveMillis);
      changes.addAll(accountChanges);
      AccountRecord current =
          history == null ? atEffective : history.with(accountChanges).latest(before).withUpdateTime(now);
      merged.put(account.getAccountId(), current);
    }
    checkHierarchy(accounts, merged, violations);
    violations.throwIfAny("invalid accounts");

    List<AccountRecord> created = new ArrayList<>();
    List<AccountRecord> updated = new ArrayList<>();
    merged.forEach((id, record) -> (existing.containsKey(id) ? updated : created).add(record));
    List<ChangeEntry> entries = store.write(created, updated, changes, feed.store(), now);
    merged.forEach((id, record) -> directory.put(id, record.parentAccountId()));
    feed.published(entries);
    return UpsertAccountsResponse.newBuilder().setCreated(created.size()).setUpdated(updated.size()).build();
  }

  /** Creates bare accounts for ids seen in signals (HEALTHSCORE_AUTO_CREATE_ACCOUNTS). */
  public synchronized void createBare(Set<String> accountIds) {
    Set<String> missing = directory.unknownAmong(accountIds);
    if (missing.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    List<AccountRecord> bare = missing.stream().map(id -> AccountRecord.bare(id, now)).toList();
    List<AccountHistory.FieldChange> changes = new ArrayList<>();
    bare.forEach(a -> changes.addAll(AccountHistory.changes(null, a, now.toEpochMilli())));
    List<ChangeEntry> entries = store.write(bare, List.of(), changes, feed.store(), now);
    missing.forEach(id -> directory.put(id, ""));
    feed.published(entries);
  }

  /**
   * When the values took effect: valid, not in the future (a producer's clock up to a minute ahead
   * is taken as now).
   */
  private static Instant effectiveMoment(Timestamp effectiveTime, Instant now, Violations v) {
    if (!v.check(ProtoMapping.isValid(effectiveTime), "effective_time", "must be a valid timestamp")) {
      return now;
    }
    Instant effective = ProtoMapping.toInstant(effectiveTime);
    if (!effective.isAfter(now)) {
      return effective;
    }
    v.check(!effective.isAfter(now.plus(CLOCK_SKEW)), "effective_time", "must not be in the future");
    return now;
  }

  private static List<FieldDescriptor> maskFields(FieldMask mask, Violations violations) {
    List<FieldDescriptor> fields = new ArrayList<>();
    for (int i = 0; i < mask.getPathsCount(); i++) {
      String path = mask.getPaths(i);
      FieldDescriptor field = Account.getDescriptor().findFieldByName(path);
      String name = "update_mask.paths[" + i + "]";
      if (field == null) {
        violations.add(name, "'" + path + "' is not an Account field");
      } else if (OUTPUT_ONLY.contains(path)) {
        violations.add(name, "'" + path + "' cannot be updated");
      } else {
        fields.add(field);
      }
    }
    return fields;
  }

  /** {@code stored} with the masked fields taken from {@code request}. */
  private static Account applyMask(Account stored, Account request, List<FieldDescriptor> fields) {
    Account.Builder result = stored.toBuilder();
    for (FieldDescriptor field : fields) {
      boolean present = field.isRepeated() || !field.hasPresence() || request.hasField(field);
      if (present) {
        result.setField(field, request.getField(field));
      } else {
        result.clearField(field);
      }
    }
    return result.build();
  }

  private static void validateFields(Account a, String prefix, Set<String> seen, Violations v) {
    String id = a.getAccountId();
    if (v.check(!id.isEmpty(), prefix + "account_id", "must not be empty")
        && v.check(id.length() <= MAX_ID_LENGTH, prefix + "account_id", "must be at most " + MAX_ID_LENGTH + " characters")) {
      v.check(seen.add(id), prefix + "account_id", "appears more than once in the batch");
    }
    v.check(a.getName().length() <= MAX_NAME_LENGTH, prefix + "name", "must be at most " + MAX_NAME_LENGTH + " characters");
    checkText(a.getSegment(), prefix + "segment", v);
    checkText(a.getLifecycleStage(), prefix + "lifecycle_stage", v);
    checkText(a.getPlan(), prefix + "plan", v);
    checkText(a.getOwner(), prefix + "owner", v);
    String parent = a.getParentAccountId();
    if (v.check(parent.length() <= MAX_ID_LENGTH, prefix + "parent_account_id", "must be at most " + MAX_ID_LENGTH + " characters")) {
      v.check(parent.isEmpty() || !parent.equals(id), prefix + "parent_account_id", "must not be the account itself");
    }
    v.check(a.getLicenses() >= 0, prefix + "licenses", "must not be negative");
    v.check(Double.isFinite(a.getMrr()) && a.getMrr() >= 0, prefix + "mrr", "must be a finite number, not negative");
    checkTimestamp(a.hasContractStart(), a.getContractStart(), prefix + "contract_start", v);
    checkTimestamp(a.hasRenewalDate(), a.getRenewalDate(), prefix + "renewal_date", v);
    v.check(a.getBillingPeriod() != BillingPeriod.UNRECOGNIZED, prefix + "billing_period", "is not a known billing period");
    v.check(a.getAttributesCount() <= MAX_ATTRIBUTES, prefix + "attributes",
        "must have at most " + MAX_ATTRIBUTES + " entries, has " + a.getAttributesCount());
    a.getAttributesMap()
        .forEach(
            (key, value) -> {
              String field = prefix + "attributes[" + key + "]";
              v.check(!key.isEmpty() && key.length() <= MAX_TEXT_LENGTH, field, "key must be 1 to " + MAX_TEXT_LENGTH + " characters");
              v.check(value.length() <= MAX_ATTRIBUTE_VALUE_LENGTH, field, "value must be at most " + MAX_ATTRIBUTE_VALUE_LENGTH + " characters");
            });
  }

  private static void checkText(String value, String field, Violations v) {
    v.check(value.length() <= MAX_TEXT_LENGTH, field, "must be at most " + MAX_TEXT_LENGTH + " characters");
  }

  private static void checkTimestamp(boolean present, Timestamp t, String field, Violations v) {
    if (present) {
      v.check(ProtoMapping.isValid(t), field, "must be a valid timestamp");
    }
  }

  /** Every parent must exist (stored or in the batch) and no account may become its own ancestor. */
  private void checkHierarchy(List<Account> accounts, Map<String, AccountRecord> merged, Violations v) {
    Set<String> unknownParents = new HashSet<>();
    for (AccountRecord record : merged.values()) {
      if (record.hasParent() && !merged.containsKey(record.parentAccountId())) {
        unknownParents.add(record.parentAccountId());
      }
    }
    Set<String> missing = directory.unknownAmong(unknownParents);
    Map<String, String> batchParents = new HashMap<>();
    merged.forEach((id, r) -> batchParents.put(id, r.parentAccountId()));
    for (int i = 0; i < accounts.size(); i++) {
      AccountRecord record = merged.get(accounts.get(i).getAccountId());
      String field = "accounts[" + i + "].parent_account_id";
      if (missing.contains(record.parentAccountId())) {
        v.add(field, "unknown parent account '" + record.parentAccountId() + "'");
        continue;
      }
      List<String> cycle = cycleFrom(record.accountId(), batchParents);
      if (!cycle.isEmpty()) {
        v.add(field, "would make a cycle: " + String.join(" -> ", cycle));
      }
    }
  }

  /** The path back to {@code start} through parents, or empty if there is none. */
  private List<String> cycleFrom(String start, Map<String, String> parentOverride) {
    Set<String> path = new LinkedHashSet<>();
    String current = start;
    while (current != null && !current.isEmpty()) {
      if (!path.add(current)) {
        if (current.equals(start)) {
          List<String> cycle = new ArrayList<>(path);
          cycle.add(start);
          return cycle;
        }
        // A cycle above this account that does not include it is reported for its own members.
        return List.of();
      }
      current = parentOverride.containsKey(current) ? parentOverride.get(current) : directory.parentOf(current);
    }
    return List.of();
  }
}
