package io.healthscore.signals.store;

import java.time.Instant;

/** A business outcome of an account: renewal, churn, expansion or contraction. */
public record OutcomeRecord(
    String eventId, String accountId, OutcomeKind kind, Instant occurredAt, double mrrDelta) {

  /** What happened to the contract. */
  public enum OutcomeKind {
    RENEWED,
    CHURNED,
    EXPANDED,
    CONTRACTED
  }
}
