package io.healthscore.alerting.alert;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What a batch's transaction read at its start about the dedup keys it will evaluate, in a few
 * statements instead of two per rule and account: which keys have an unresolved alert, and when
 * each key's last alert was resolved. It answers for a key's first evaluation in the transaction
 * only (the evaluation may open or resolve its alert); a key with an unresolved alert is always
 * read again, locked, since the evaluation may change that alert.
 */
public final class KeySnapshot {
  /** Knows no key: every lookup goes to the store. */
  public static final KeySnapshot NONE = new KeySnapshot(Set.of(), Set.of(), Map.of());

  private final Set<String> known;
  private final Set<String> unresolved;
  private final Map<String, Long> lastResolvedMs;

  KeySnapshot(Collection<String> known, Set<String> unresolved, Map<String, Long> lastResolvedMs) {
    this.known = new HashSet<>(known);
    this.unresolved = unresolved;
    this.lastResolvedMs = lastResolvedMs;
  }

  /** Whether the key is known to have no unresolved alert, so there is nothing to read or lock. */
  boolean knownWithoutUnresolved(String key) {
    return known.contains(key) && !unresolved.contains(key);
  }

  /** When the key's last alert was resolved, if the snapshot knows the key (empty: ask the store). */
  OptionalLong lastResolvedMs(String key) {
    Long ms = lastResolvedMs.get(key);
    return ms == null ? OptionalLong.empty() : OptionalLong.of(ms);
  }

  boolean knows(String key) {
    return known.contains(key);
  }

  /** Stops answering for the key: its evaluation in this transaction is done. */
  void forget(String key) {
    known.remove(key);
  }
}
