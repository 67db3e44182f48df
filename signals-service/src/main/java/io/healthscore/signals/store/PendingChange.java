package io.healthscore.signals.store;

import java.util.Set;

/** A change of one account not yet written to the feed; the store gives it its cursor. */
public record PendingChange(String accountId, Set<ChangeKind> kinds, Set<String> metrics) {}
