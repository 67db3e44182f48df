package io.healthscore.signals.store;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * One stored entry of the change feed.
 *
 * @param metrics metrics that received signals, sorted; empty unless kinds has SIGNALS
 */
public record ChangeEntry(
    long cursor, String accountId, Set<ChangeKind> kinds, List<String> metrics, Instant changeTime) {

  public ChangeEntry {
    kinds = Set.copyOf(kinds);
    metrics = List.copyOf(metrics);
  }
}
