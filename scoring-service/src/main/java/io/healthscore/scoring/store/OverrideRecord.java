package io.healthscore.scoring.store;

import io.healthscore.v1.Band;

/**
 * A manual score or band on one account's score. {@code score} is NaN when only a band is set;
 * {@code expireMillis} is 0 for no expiry.
 */
public record OverrideRecord(
    String accountId,
    String scorecardId,
    double score,
    Band band,
    String reason,
    String setBy,
    long setMillis,
    long expireMillis) {

  public boolean hasScore() {
    return !Double.isNaN(score);
  }

  /** Whether it still applies at {@code nowMillis}: expired overrides stop applying. */
  public boolean activeAt(long nowMillis) {
    return expireMillis == 0 || expireMillis > nowMillis;
  }
}
