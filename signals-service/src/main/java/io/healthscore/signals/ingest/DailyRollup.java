package io.healthscore.signals.ingest;

/**
 * What happened to one metric of one account on one UTC day.
 *
 * <p>Numeric signals feed {@code sum}, {@code min}, {@code max} and {@code lastValue}. Label signals
 * are only counted: they leave sum, min and max untouched (0 when a day has only labels) and set
 * {@code lastLabel}. "Last" means the signal with the greatest occurredAt; on a tie the one that
 * arrived later wins. A numeric last signal has {@code lastLabel == null}; a label last signal keeps
 * {@code lastValue} of the latest numeric signal (0 if none).
 */
public record DailyRollup(
    String accountId,
    String metric,
    long epochDay,
    long count,
    double sum,
    double min,
    double max,
    double lastValue,
    String lastLabel,
    long firstAtMillis,
    long lastAtMillis,
    long distinctUsers) {}
