package io.healthscore.signals.ingest;

/**
 * One signal as the ingest engine stores it, already validated by the api layer.
 *
 * @param eventId the producer's idempotency key; a repeated id is dropped as a duplicate
 * @param userId "" when the signal is not tied to a user
 * @param isLabel true for a label signal ({@code label} set), false for a numeric one ({@code number} set)
 * @param label null for numeric signals
 */
public record SignalRecord(
    String eventId,
    String accountId,
    String userId,
    String metric,
    boolean isLabel,
    double number,
    String label,
    long occurredAtMillis,
    String source) {}
