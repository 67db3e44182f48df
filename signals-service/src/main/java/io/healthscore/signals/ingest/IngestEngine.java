package io.healthscore.signals.ingest;

import io.healthscore.runtime.db.Database;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Set;

/**
 * Durable, deduplicating ingest of signals into daily rollups: a write-ahead log synced before each
 * acknowledgement, rollups and the dedup index in memory, checkpointed to SQL every few seconds.
 */
public final class IngestEngine implements AutoCloseable {

  private IngestEngine() {}

  /** Runs the engine's migrations, recovers from the last checkpoint plus the log, and starts it. */
  public static IngestEngine open(
      IngestSettings settings, Database db, ChangeListener listener, MeterRegistry registry) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Stores a batch durably; returns once it survives a crash. Thread-safe. */
  public IngestResult ingest(List<SignalRecord> signals) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Rollups of an account with epochDay in [from, to), ordered by metric then day. */
  public List<DailyRollup> rollups(String accountId, long fromEpochDayInclusive, long toEpochDayExclusive) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Every metric the account has a rollup for. */
  public Set<String> metrics(String accountId) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Writes changed rollups to the SQL store and drops log segments it covers. */
  public void checkpoint() {
    throw new UnsupportedOperationException("not yet");
  }

  /** Final checkpoint, then releases the log. */
  @Override
  public void close() {
    throw new UnsupportedOperationException("not yet");
  }
}
