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
 * @param memoryBudgetBytes heap the engine may use for what it keeps in memory: 40% of it bounds the
 *     rollups and user sets waiting for a checkpoint, past which ingest answers RESOURCE_EXHAUSTED
 *     instead of running out of memory
 * @param maxMetricsPerAccount distinct metrics one account may have; a signal of a further metric is
 *     refused (see {@link IngestLimits})
 * @param maxUsersPerMetricDay distinct users one rollup (account, metric, day) may have; a signal of
 *     a further user is refused
 * @param dedupMemoryBytes native memory (outside the heap) of the event id store: its block cache,
 *     which holds the bloom filters and indexes, and its memtables; bounded whatever the number of ids
 */
public record IngestSettings(
    Path walDir,
    Duration checkpointInterval,
    long walSegmentBytes,
    int dedupRetentionDays,
    boolean fsync,
    int maxHotRollups,
    long memoryBudgetBytes,
    int maxMetricsPerAccount,
    int maxUsersPerMetricDay,
    long dedupMemoryBytes) {

  public static final String CHECKPOINT_INTERVAL = "HEALTHSCORE_CHECKPOINT_INTERVAL";
  public static final String WAL_SEGMENT_BYTES = "HEALTHSCORE_WAL_SEGMENT_BYTES";
  public static final String DEDUP_RETENTION_DAYS = "HEALTHSCORE_DEDUP_RETENTION_DAYS";
  public static final String MAX_HOT_ROLLUPS = "HEALTHSCORE_MAX_HOT_ROLLUPS";
  public static final String MEMORY_BUDGET = "HEALTHSCORE_INGEST_MEMORY_BUDGET";
  public static final String MAX_METRICS_PER_ACCOUNT = "HEALTHSCORE_MAX_METRICS_PER_ACCOUNT";
  public static final String MAX_USERS_PER_METRIC_DAY = "HEALTHSCORE_MAX_USERS_PER_METRIC_DAY";
  public static final String DEDUP_MEMORY = "HEALTHSCORE_DEDUP_MEMORY";
  public static final long DEFAULT_DEDUP_MEMORY = 128L << 20;
  public static final int DEFAULT_MAX_METRICS_PER_ACCOUNT = 1_000;
  public static final int DEFAULT_MAX_USERS_PER_METRIC_DAY = 100_000;

  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(5);
  public static final long DEFAULT_WAL_SEGMENT_BYTES = 64L * 1024 * 1024;
  public static final int DEFAULT_DEDUP_RETENTION_DAYS = 7;
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
    if (memoryBudgetBytes < 1 << 20) {
      throw new IllegalArgumentException("ingest memory budget must be at least 1 MiB: " + memoryBudgetBytes);
    }
    if (maxMetricsPerAccount < 1 || maxUsersPerMetricDay < 2) {
      throw new IllegalArgumentException("limits must be positive: " + maxMetricsPerAccount
          + " metrics per account, " + maxUsersPerMetricDay + " users per metric and day");
    }
    if (dedupMemoryBytes < 8 << 20) {
      throw new IllegalArgumentException(DEDUP_MEMORY + " must be at least 8 MiB: " + dedupMemoryBytes);
    }
  }

  /** The settings with the default memory of the event id store. */
  public IngestSettings(
      Path walDir, Duration checkpointInterval, long walSegmentBytes, int dedupRetentionDays, boolean fsync,
      int maxHotRollups, long memoryBudgetBytes, int maxMetricsPerAccount, int maxUsersPerMetricDay) {
    this(walDir, checkpointInterval, walSegmentBytes, dedupRetentionDays, fsync, maxHotRollups,
        memoryBudgetBytes, maxMetricsPerAccount, maxUsersPerMetricDay, DEFAULT_DEDUP_MEMORY);
  }

  /** The settings with the default limits. */
  public IngestSettings(
      Path walDir, Duration checkpointInterval, long walSegmentBytes, int dedupRetentionDays, boolean fsync,
      int maxHotRollups, long memoryBudgetBytes) {
    this(walDir, checkpointInterval, walSegmentBytes, dedupRetentionDays, fsync, maxHotRollups,
        memoryBudgetBytes, DEFAULT_MAX_METRICS_PER_ACCOUNT, DEFAULT_MAX_USERS_PER_METRIC_DAY);
  }

  /** The settings with the default memory budget. */
  public IngestSettings(
      Path walDir, Duration checkpointInterval, long walSegmentBytes, int dedupRetentionDays, boolean fsync,
      int maxHotRollups) {
    this(walDir, checkpointInterval, walSegmentBytes, dedupRetentionDays, fsync, maxHotRollups,
        defaultMemoryBudget());
  }

  /** The settings with the default bound on hot rollups and memory budget. */
  public IngestSettings(
      Path walDir, Duration checkpointInterval, long walSegmentBytes, int dedupRetentionDays, boolean fsync) {
    this(walDir, checkpointInterval, walSegmentBytes, dedupRetentionDays, fsync, DEFAULT_MAX_HOT_ROLLUPS);
  }

  /**
   * 40% of the heap (-Xmx): the rest is for requests in flight, checkpoints, reads, the SQL store's
   * cache and the account directory.
   */
  public static long defaultMemoryBudget() {
    return Math.max(1 << 20, Runtime.getRuntime().maxMemory() / 5 * 2);
  }

  /**
   * Estimated heap of rollups and user sets waiting for a checkpoint before ingest pushes back:
   * 40% of the budget (the rest is the transient copy of a checkpoint, reads and a group's dedup
   * lookups).
   */
  public long maxHotBytes() {
    return memoryBudgetBytes / 10 * 4;
  }

  /** Heap for the limits' caches (metrics per account, large user sets): the last tenth. */
  public long limitsBytes() {
    return memoryBudgetBytes / 10;
  }

  /**
   * A size in bytes: a number with an optional suffix k, m or g (powers of 1024), e.g. 512m.
   *
   * @throws IllegalArgumentException naming {@code variable} when the text is not such a size
   */
  static long parseBytes(String variable, String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    long unit = 1;
    if (t.endsWith("k") || t.endsWith("m") || t.endsWith("g")) {
      unit = t.endsWith("k") ? 1L << 10 : t.endsWith("m") ? 1L << 20 : 1L << 30;
      t = t.substring(0, t.length() - 1);
    }
    try {
      return Math.multiplyExact(Long.parseLong(t), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          variable + " must be a size in bytes such as 536870912, 512m or 2g, got '" + text + "'", e);
    }
  }

  /** Defaults with the log under {@code walDir}. */
  public static IngestSettings defaults(Path walDir) {
    return new IngestSettings(
        walDir,
        DEFAULT_CHECKPOINT_INTERVAL,
        DEFAULT_WAL_SEGMENT_BYTES,
        DEFAULT_DEDUP_RETENTION_DAYS,
        true,
        DEFAULT_MAX_HOT_ROLLUPS,
        defaultMemoryBudget(),
        DEFAULT_MAX_METRICS_PER_ACCOUNT,
        DEFAULT_MAX_USERS_PER_METRIC_DAY,
        DEFAULT_DEDUP_MEMORY);
  }

  /**
   * Reads HEALTHSCORE_CHECKPOINT_INTERVAL, HEALTHSCORE_WAL_SEGMENT_BYTES,
   * HEALTHSCORE_DEDUP_RETENTION_DAYS, HEALTHSCORE_MAX_HOT_ROLLUPS, HEALTHSCORE_INGEST_MEMORY_BUDGET,
   * HEALTHSCORE_MAX_METRICS_PER_ACCOUNT, HEALTHSCORE_MAX_USERS_PER_METRIC_DAY and
   * HEALTHSCORE_DEDUP_MEMORY; the log and the event id store go to dataDir/wal. Always syncs.
   */
  public static IngestSettings fromConfig(ServiceConfig config) {
    return new IngestSettings(
        config.dataDir().resolve("wal"),
        config.getDuration(CHECKPOINT_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL),
        config.getLong(WAL_SEGMENT_BYTES, DEFAULT_WAL_SEGMENT_BYTES),
        config.getInt(DEDUP_RETENTION_DAYS, DEFAULT_DEDUP_RETENTION_DAYS),
        true,
        config.getInt(MAX_HOT_ROLLUPS, DEFAULT_MAX_HOT_ROLLUPS),
        parseBytes(MEMORY_BUDGET, config.get(MEMORY_BUDGET, Long.toString(defaultMemoryBudget()))),
        config.getInt(MAX_METRICS_PER_ACCOUNT, DEFAULT_MAX_METRICS_PER_ACCOUNT),
        config.getInt(MAX_USERS_PER_METRIC_DAY, DEFAULT_MAX_USERS_PER_METRIC_DAY),
        parseBytes(DEDUP_MEMORY, config.get(DEDUP_MEMORY, Long.toString(DEFAULT_DEDUP_MEMORY))));
  }
}
