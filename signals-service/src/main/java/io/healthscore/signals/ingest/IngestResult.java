package io.healthscore.signals.ingest;

/**
 * Outcome of one ingested batch.
 *
 * @param duplicate {@code duplicate[i]} is true when input {@code i} was dropped because its event id
 *     was seen before (in an earlier batch or earlier in the same batch)
 */
public record IngestResult(int accepted, int duplicates, boolean[] duplicate) {}
