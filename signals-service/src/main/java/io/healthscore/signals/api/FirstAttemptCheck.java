package io.healthscore.signals.api;

import com.google.protobuf.Timestamp;
import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.signals.ingest.IngestEngine;
import io.healthscore.signals.ingest.IngestSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * A batch's {@code first_attempt_at}: a resend is safe only while the ids its earlier attempts
 * stored are still in the dedup window, so a batch first sent before the window's first arrival day
 * is refused whole rather than counted twice (decision 013). The window is read from the engine,
 * whose clock dates arrivals; an earlier attempt's ids arrived on its first-send day or later.
 */
final class FirstAttemptCheck {
  static final String FIELD = "first_attempt_at";
  /** How far a producer's clock may run ahead of the server's. */
  static final Duration MAX_AHEAD = Duration.ofMinutes(5);

  private final IngestEngine engine;
  private final Clock clock;

  FirstAttemptCheck(IngestEngine engine, Clock clock) {
    this.engine = engine;
    this.clock = clock;
  }

  /**
   * Throws INVALID_ARGUMENT for a timestamp out of range or too far ahead, FAILED_PRECONDITION for
   * a first send before the dedup window; nothing when {@code firstAttemptAt} is empty.
   */
  void check(Optional<Timestamp> firstAttemptAt) {
    if (firstAttemptAt.isEmpty()) {
      return;
    }
    Timestamp t = firstAttemptAt.get();
    if (!ProtoMapping.isValid(t)) {
      throw InvalidArgumentException.forField(
          FIELD, "must be a valid timestamp (seconds from 0001-01-01 to 9999-12-31, nanos 0 to 999,999,999)");
    }
    Instant firstSent = ProtoMapping.toInstant(t);
    if (firstSent.isAfter(clock.instant().plus(MAX_AHEAD))) {
      throw InvalidArgumentException.forField(
          FIELD, "must not be more than " + MAX_AHEAD.toMinutes() + " minutes ahead of the server's clock, got " + firstSent);
    }
    LocalDate windowStart = engine.firstDayOfDedupWindow();
    if (LocalDate.ofInstant(firstSent, ZoneOffset.UTC).isBefore(windowStart)) {
      int days = engine.dedupRetentionDays();
      throw new FailedPreconditionException(
          FIELD + " " + firstSent + " is older than the dedup window: the dedup window is " + days
              + (days == 1 ? " day" : " days") + " (" + IngestSettings.DEDUP_RETENTION_DAYS
              + ") and holds the event ids that arrived from " + windowStart
              + " (UTC) on, so signals stored by an earlier attempt of this batch would be counted again;"
              + " nothing of the batch was stored. Re-send only the signals known not to be stored, as a new"
              + " batch with a new first_attempt_at, or raise " + IngestSettings.DEDUP_RETENTION_DAYS);
    }
  }
}
