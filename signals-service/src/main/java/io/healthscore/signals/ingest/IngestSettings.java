package io.healthscore.signals.ingest;

import io.healthscore.runtime.config.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Tuning of the ingest engine.
 *
 * @param walDir where write-ahead log segments and event id files live
 * @param checkpointInterval how often hot rollups are written to the SQL store
 * @param walSegmentBytes size after which the log continues in a new segment
 * @param dedupRetentionDays how long an event id is remembered after the day it was ingested
 * @param fsync false only for benchmarks of a non-durable baseline; never off in the service
 * @param maxHotRollups rollups allowed in memory before ingest pushes back (see {@link IngestEngine#ingest})
 */
public record IngestSettings(
    Path walDir,
    Duration checkpointInterval,
    long walSegmentBytes,
    int dedupRetentionDays,
    boolean fsync,
    int maxHotRollups) {

  public static final String CHECKPOINT_INTERVAL = "HEALTHSCORE_CHECKPOINT_INTERVAL";
  public static final String WAL_SEGMENT_BYTES = "HEALTHSCORE_WAL_SEGMENT_BYTES";
  public static final String DEDUP_RETENTION_DAYS = "HEALTHSCORE_DEDUP_RETENTION_DAYS";
  public static final String MAX_HOT_ROLLUPS = "HEALTHSCORE_MAX_HOT_ROLLUPS";

  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(5);
  public static final long DEFAULT_WAL_SEGMENT_BYTES = 64L * 1024 * 1024;
  public static final int DEFAULT_DEDUP_RETENTION_DAYS = 400;
  public static final int DEFAULT_MAX_HOT_ROLLUPS = 2_000_000;

  public IngestSettings {
    if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
      throw new IllegalArgumentException("checkpoint interval must be positive: " + checkpointInterval);
    }
    if (walSegmentBytes < 1024) {
      throw new IllegalArgumentException("WAL segment size must be at least 1024 bytes: " + walSegmentBytes);
    }
    if (dedupRetentionDays < 1 || dedupRetentionDays > 36_500) {
      throw new IllegalArgumentException(
          "dedup retention must be between 1 and 36500 days: " + dedupRetentionDays);
    }
    if (maxHotRollups < 1) {
      throw new IllegalArgumentException("max hot rollups must be positive: " + maxHotRollups);
    }
  }

  /** The settings with the default bound on hot rollups. */
  public IngestSettings(
      Path walDir, Duration checkpointInterval, long walSegmentBytes, int dedupRetentionDays, boolean fsync) {
    this(walDir, checkpointInterval, walSegmentBytes, dedupRetentionDays, fsync, DEFAULT_MAX_HOT_ROLLUPS);
  }

  /** Defaults with the log under {@code walDir}. */
  public static IngestSettings defaults(Path walDir) {
    return new IngestSettings(
        walDir,
        DEFAULT_CHECKPOINT_INTERVAL,
        DEFAULT_WAL_SEGMENT_BYTES,
        DEFAULT_DEDUP_RETENTION_DAYS,
        true,
        DEFAULT_MAX_HOT_ROLLUPS);
  }

  /**
   * Reads HEALTHSCORE_CHECKPOINT_INTERVAL, HEALTHSCORE_WAL_SEGMENT_BYTES,
   * HEALTHSCORE_DEDUP_RETENTION_DAYS and HEALTHSCORE_MAX_HOT_ROLLUPS; the log goes to dataDir/wal.
   * Always syncs.
   */
  public static IngestSettings fromConfig(ServiceConfig config) {
    return new IngestSettings(
        config.dataDir().resolve("wal"),
        config.getDuration(CHECKPOINT_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL),
        config.getLong(WAL_SEGMENT_BYTES, DEFAULT_WAL_SEGMENT_BYTES),
        config.getInt(DEDUP_RETENTION_DAYS, DEFAULT_DEDUP_RETENTION_DAYS),
        true,
        config.getInt(MAX_HOT_ROLLUPS, DEFAULT_MAX_HOT_ROLLUPS));
  }
}
