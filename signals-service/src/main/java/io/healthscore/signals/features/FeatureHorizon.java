package io.healthscore.signals.features;

import java.time.Instant;

/**
 * Which data features see. Live (no as_of): everything ingested so far, today's partial day
 * included, recency measured from now. Point in time (as_of given): only whole UTC days strictly
 * before as_of's day, recency measured from that day's start, so the same as_of always gives the
 * same features however late in its day it is asked and learning never sees the future.
 *
 * @param asOf the moment the features describe (account dates are measured from it)
 * @param endDay windows end before this UTC day: a window of N days is [endDay - N, endDay)
 * @param cutoffMillis the end of the data seen; days_since_* are measured from it
 */
public record FeatureHorizon(Instant asOf, long endDay, long cutoffMillis) {
  static final long MILLIS_PER_DAY = 86_400_000L;

  /** Features as of an explicit moment: whole UTC days strictly before its day. */
  public static FeatureHorizon pointInTime(Instant asOf) {
    long day = dayOf(asOf.toEpochMilli());
    return new FeatureHorizon(asOf, day, day * MILLIS_PER_DAY);
  }

  /** Live features at {@code now}: today's partial day included. */
  public static FeatureHorizon live(Instant now) {
    long millis = now.toEpochMilli();
    return new FeatureHorizon(now, dayOf(millis) + 1, millis);
  }

  /** Whether these are live features (today's partial day included) rather than point in time. */
  public boolean isLive() {
    // Point in time, the cutoff is the start of the end day; live, it lies in the day before it.
    return endDay == dayOf(cutoffMillis) + 1;
  }

  static long dayOf(long epochMillis) {
    return Math.floorDiv(epochMillis, MILLIS_PER_DAY);
  }

  /** Start of the UTC day {@code endDay - days}: the window of {@code days} days starts there. */
  long windowStartMillis(int days) {
    return (endDay - days) * MILLIS_PER_DAY;
  }

  /** Where windows end in time: the start of {@code endDay}. */
  long endMillis() {
    return endDay * MILLIS_PER_DAY;
  }
}
