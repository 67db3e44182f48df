package io.healthscore.signals.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One account's attribute history: each field's changes with the moment they took effect. The
 * account as of a moment takes each field's latest change at or before it, and the field's first
 * known value before its first change (an account created today with signals backfilled for last
 * year is best described by its first known attributes, not by blanks).
 */
public final class AccountHistory {
  /** A field's value from {@code effectiveMillis} on; {@code value} null for an unset date or a removed attribute. */
  public record FieldChange(String accountId, String field, long effectiveMillis, String value) {}

  private static final AccountHistory EMPTY = new AccountHistory(Map.of());

  private final Map<String, TreeMap<Long, String>> byField;

  private AccountHistory(Map<String, TreeMap<Long, String>> byField) {
    this.byField = byField;
  }

  /** The history made of these changes (of one account). */
  public static AccountHistory of(List<FieldChange> changes) {
    return EMPTY.with(changes);
  }

  /** This history with {@code changes} added (a change at the same moment as a recorded one replaces it). */
  public AccountHistory with(List<FieldChange> changes) {
    Map<String, TreeMap<Long, String>> copy = new HashMap<>();
    byField.forEach((field, timeline) -> copy.put(field, new TreeMap<>(timeline)));
    for (FieldChange c : changes) {
      copy.computeIfAbsent(c.field(), f -> new TreeMap<>()).put(c.effectiveMillis(), c.value());
    }
    return new AccountHistory(copy);
  }

  public boolean isEmpty() {
    return byField.isEmpty();
  }

  /**
   * The account as of {@code millis}: fields from the history, those without any history from
   * {@code current}. update_time is the latest change at or before the moment (the first one when
   * none is).
   */
  public AccountRecord asOf(AccountRecord current, long millis) {
    Map<String, String> fields = new LinkedHashMap<>(AccountFields.encode(current));
    long updated = Long.MIN_VALUE;
    long first = Long.MAX_VALUE;
    for (Map.Entry<String, TreeMap<Long, String>> e : byField.entrySet()) {
      TreeMap<Long, String> timeline = e.getValue();
      Map.Entry<Long, String> atMoment = timeline.floorEntry(millis);
      if (atMoment != null) {
        updated = Math.max(updated, atMoment.getKey());
      } else {
        atMoment = timeline.firstEntry();
      }
      first = Math.min(first, timeline.firstKey());
      fields.put(e.getKey(), atMoment.getValue());
    }
    Instant updateTime =
        byField.isEmpty() ? current.updateTime() : Instant.ofEpochMilli(updated == Long.MIN_VALUE ? first : updated);
    return AccountFields.decode(current.accountId(), fields, current.createTime(), updateTime);
  }

  /** The account after every change: the latest value of each field. */
  public AccountRecord latest(AccountRecord current) {
    return asOf(current, Long.MAX_VALUE);
  }

  /**
   * The changes that take {@code before} to {@code after} at {@code effectiveMillis}: one per field
   * that differs ({@code before} null: every field of {@code after}).
   */
  public static List<FieldChange> changes(AccountRecord before, AccountRecord after, long effectiveMillis) {
    Map<String, String> was = before == null ? Map.of() : AccountFields.encode(before);
    Map<String, String> now = AccountFields.encode(after);
    List<FieldChange> changes = new ArrayList<>();
    now.forEach(
        (field, value) -> {
          if (before == null || !was.containsKey(field) || !java.util.Objects.equals(was.get(field), value)) {
            changes.add(new FieldChange(after.accountId(), field, effectiveMillis, value));
          }
        });
    was.forEach(
        (field, value) -> {
          if (!now.containsKey(field) && value != null) {
            changes.add(new FieldChange(after.accountId(), field, effectiveMillis, null));
          }
        });
    return changes;
  }
}
