package io.healthscore.signals.ingest;

import io.healthscore.runtime.config.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Tuning of the ingest engine.
 *
 * @param walDir where write-ahead log segments and the event id file live
 * @param checkpointInterval how often hot rollups are written to the SQL store
 * @param walSegmentBytes size after which the log rolls to a new segment
 * @param dedupRetentionDays how long an event id is remembered after it was ingested
 * @param fsync false only for benchmarks of a non-durable baseline; never off in production
 */
public record IngestSettings(
    Path walDir,
    Duration checkpointInterval,
    long walSegmentBytes,
    int dedupRetentionDays,
    boolean fsync) {

  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(5);
  public static final long DEFAULT_WAL_SEGMENT_BYTES = 64L * 1024 * 1024;
  public static final int DEFAULT_DEDUP_RETENTION_DAYS = 400;

  /** Defaults with the log under {@code walDir}. */
  public static IngestSettings defaults(Path walDir) {
    return new IngestSettings(
        walDir,
        DEFAULT_CHECKPOINT_INTERVAL,
        DEFAULT_WAL_SEGMENT_BYTES,
        DEFAULT_DEDUP_RETENTION_DAYS,
        true);
  }

  /** Reads HEALTHSCORE_CHECKPOINT_INTERVAL, HEALTHSCORE_WAL_SEGMENT_BYTES, HEALTHSCORE_DEDUP_RETENTION_DAYS. */
  public static IngestSettings fromConfig(ServiceConfig config) {
    return new IngestSettings(
        config.dataDir().resolve("wal"),
        config.getDuration("HEALTHSCORE_CHECKPOINT_INTERVAL", DEFAULT_CHECKPOINT_INTERVAL),
        config.getLong("HEALTHSCORE_WAL_SEGMENT_BYTES", DEFAULT_WAL_SEGMENT_BYTES),
        config.getInt("HEALTHSCORE_DEDUP_RETENTION_DAYS", DEFAULT_DEDUP_RETENTION_DAYS),
        true);
  }
}
