package io.healthscore.scoring.store;

/**
 * An account whose scores could not be applied, waiting for its next attempt.
 *
 * @param attempts failed attempts so far (1 after the first failure)
 * @param lastError what the last failure said, one line
 */
public record SetAsideAccount(
    String accountId, int attempts, long nextAttemptMillis, long firstFailedMillis, String lastError) {}
