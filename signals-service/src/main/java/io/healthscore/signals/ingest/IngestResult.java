package io.healthscore.signals.ingest;

import java.util.List;

/**
 * Outcome of one ingested batch.
 *
 * @param duplicate {@code duplicate[i]} is true when input {@code i} was dropped because its event id
 *     was seen before (in an earlier batch or earlier in the same batch)
 * @param refused the inputs refused because they would pass a limit (metrics per account, users per
 *     metric and day), by index; for an atomic batch with any, nothing was stored
 */
public record IngestResult(int accepted, int duplicates, boolean[] duplicate, List<Refusal> refused) {

  /** An input refused by a limit: its index, the field at fault and why, naming account and limit. */
  public record Refusal(int index, String field, String reason) {}

  public IngestResult(int accepted, int duplicates, boolean[] duplicate) {
    this(accepted, duplicates, duplicate, List.of());
  }
}
