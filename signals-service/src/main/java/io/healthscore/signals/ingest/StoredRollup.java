package io.healthscore.signals.ingest;

/**
 * A rollup as checkpointed, or as merged with in-memory changes for a reader.
 *
 * @param numericCount numeric signals among {@code count}; min and max are 0 while it is 0
 * @param checkpointId the last checkpoint that wrote the row (0 for rows built from memory only)
 */
record StoredRollup(
    String metric,
    long epochDay,
    long count,
    long numericCount,
    double sum,
    double min,
    double max,
    double lastValue,
    String lastLabel,
    long firstAtMillis,
    long lastAtMillis,
    long distinctUsers,
    long checkpointId) {

  static StoredRollup of(HotRollup hot) {
    return new StoredRollup(
        hot.metric, hot.epochDay, hot.count, hot.numericCount, hot.sum,
        hot.numericCount == 0 ? 0 : hot.min, hot.numericCount == 0 ? 0 : hot.max,
        hot.lastValue, hot.lastLabel, hot.firstAtMillis, hot.lastAtMillis,
        hot.users == null ? 0 : hot.users.size(), 0);
  }

  /**
   * This rollup followed by {@code later}, which arrived after it: on equal occurredAt, later's last
   * signal wins. Distinct users are {@code distinctUsers}, computed by the caller.
   */
  StoredRollup followedBy(HotRollup later, long distinctUsers) {
    boolean laterIsLast = later.lastAtMillis >= lastAtMillis;
    double newMin;
    double newMax;
    if (later.numericCount == 0) {
      newMin = min;
      newMax = max;
    } else if (numericCount == 0) {
      newMin = later.min;
      newMax = later.max;
    } else {
      newMin = Math.min(min, later.min);
      newMax = Math.max(max, later.max);
    }
    return new StoredRollup(
        metric, epochDay, count + later.count, numericCount + later.numericCount, sum + later.sum,
        newMin, newMax,
        laterIsLast ? later.lastValue : lastValue,
        laterIsLast ? later.lastLabel : lastLabel,
        Math.min(firstAtMillis, later.firstAtMillis),
        Math.max(lastAtMillis, later.lastAtMillis),
        distinctUsers, checkpointId);
  }

  StoredRollup withDistinctUsers(long users) {
    return new StoredRollup(
        metric, epochDay, count, numericCount, sum, min, max, lastValue, lastLabel,
        firstAtMillis, lastAtMillis, users, checkpointId);
  }

  DailyRollup toDailyRollup(String accountId) {
    return new DailyRollup(
        accountId, metric, epochDay, count, sum, min, max, lastValue, lastLabel,
        firstAtMillis, lastAtMillis, distinctUsers);
  }
}
