package io.healthscore.signals.api;

import io.healthscore.v1.Signal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Checks each signal's fields (whether its account exists is checked by {@link SignalIngestion}).
 * Every violation of a signal is reported, not only the first, so a producer fixes all in one go.
 */
public final class SignalValidator {
  public static final int MAX_ID_LENGTH = 128;
  public static final int MAX_LABEL_LENGTH = 256;
  public static final Duration MAX_AHEAD = Duration.ofDays(1);
  public static final int MAX_YEARS_BACK = 10;

  /** The window of acceptable occurred_at values, fixed once per batch. */
  public record TimeWindow(long earliestMillis, long latestMillis) {
    public static TimeWindow around(Instant now) {
      return new TimeWindow(
          now.atOffset(ZoneOffset.UTC).minusYears(MAX_YEARS_BACK).toInstant().toEpochMilli(),
          now.plus(MAX_AHEAD).toEpochMilli());
    }
  }

  /**
   * Adds the violations of signal {@code index} to {@code out}; returns true when it has none.
   */
  public boolean validate(Signal s, int index, TimeWindow window, List<SignalViolation> out) {
    int before = out.size();
    checkId(s.getEventId(), index, "event_id", out);
    checkId(s.getAccountId(), index, "account_id", out);
    checkMetric(s.getMetric(), index, out);
    checkOptionalText(s.getUserId(), MAX_ID_LENGTH, index, "user_id", out);
    checkOptionalText(s.getSource(), MAX_ID_LENGTH, index, "source", out);
    switch (s.getValueCase()) {
      case NUMBER -> {
        if (!Double.isFinite(s.getNumber())) {
          out.add(violation(index, "number", "must be finite"));
        }
      }
      case LABEL -> checkOptionalText(s.getLabel(), MAX_LABEL_LENGTH, index, "label", out);
      default -> out.add(violation(index, "value", "must set number or label"));
    }
    if (!s.hasOccurredAt()) {
      out.add(violation(index, "occurred_at", "is required"));
    } else {
      long seconds = s.getOccurredAt().getSeconds();
      int nanos = s.getOccurredAt().getNanos();
      if (nanos < 0 || nanos > 999_999_999) {
        out.add(violation(index, "occurred_at", "must be a valid timestamp"));
      } else {
        // Compare seconds first: multiplying an absurd value by 1000 would overflow.
        boolean ahead = seconds > window.latestMillis() / 1000 + 1;
        boolean back = seconds < window.earliestMillis() / 1000 - 1;
        if (!ahead && !back) {
          long millis = ProtoMapping.toMillis(s.getOccurredAt());
          ahead = millis > window.latestMillis();
          back = millis < window.earliestMillis();
        }
        if (ahead) {
          out.add(violation(index, "occurred_at", "must not be more than a day ahead"));
        } else if (back) {
          out.add(violation(index, "occurred_at", "must not be more than ten years back"));
        }
      }
    }
    return out.size() == before;
  }

  private static void checkId(String value, int index, String field, List<SignalViolation> out) {
    if (value.isEmpty()) {
      out.add(violation(index, field, "must not be empty"));
    } else {
      checkOptionalText(value, MAX_ID_LENGTH, index, field, out);
    }
  }

  private static void checkOptionalText(
      String value, int maxLength, int index, String field, List<SignalViolation> out) {
    if (value.length() > maxLength) {
      out.add(violation(index, field, "must be at most " + maxLength + " characters"));
      return;
    }
    int control = firstControlCharacter(value);
    if (control >= 0) {
      out.add(
          violation(
              index,
              field,
              String.format(
                  "must not contain control characters (U+%04X at position %d)",
                  (int) value.charAt(control), control)));
    }
  }

  /**
   * Index of the first C0 or C1 control character (NUL, tab, newline, DEL, ...) or -1. PostgreSQL
   * cannot store NUL in text at all, and the others have no place in ids or labels.
   */
  static int firstControlCharacter(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
        return i;
      }
    }
    return -1;
  }

  private static void checkMetric(String metric, int index, List<SignalViolation> out) {
    if (metric.isEmpty()) {
      out.add(violation(index, "metric", "must not be empty"));
      return;
    }
    if (metric.length() > MAX_ID_LENGTH) {
      out.add(violation(index, "metric", "must be at most " + MAX_ID_LENGTH + " characters"));
      return;
    }
    if (!isMetricName(metric)) {
      out.add(violation(index, "metric", "must contain only a-z, 0-9, '_' and '.'"));
    }
  }

  /** METRIC_CHARS[c] tells whether ASCII character c may appear in a metric name. */
  private static final boolean[] METRIC_CHARS = new boolean[128];

  static {
    for (char c = 'a'; c <= 'z'; c++) {
      METRIC_CHARS[c] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      METRIC_CHARS[c] = true;
    }
    METRIC_CHARS['_'] = true;
    METRIC_CHARS['.'] = true;
  }

  /** Whether every character is in [a-z0-9_.]; a table lookup per character, not a regex. */
  static boolean isMetricName(String metric) {
    for (int i = 0; i < metric.length(); i++) {
      char c = metric.charAt(i);
      if (c >= 128 || !METRIC_CHARS[c]) {
        return false;
      }
    }
    return true;
  }

  /** The field path is built only here: valid signals (nearly all) allocate nothing. */
  private static SignalViolation violation(int index, String field, String reason) {
    return new SignalViolation(index, "signals[" + index + "]." + field, reason, field);
  }
}
