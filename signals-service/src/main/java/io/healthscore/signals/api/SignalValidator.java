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
    String prefix = "signals[" + index + "].";
    checkId(s.getEventId(), index, prefix, "event_id", out);
    checkId(s.getAccountId(), index, prefix, "account_id", out);
    checkMetric(s.getMetric(), index, prefix, out);
    if (s.getUserId().length() > MAX_ID_LENGTH) {
      out.add(violation(index, prefix, "user_id", "must be at most " + MAX_ID_LENGTH + " characters"));
    }
    if (s.getSource().length() > MAX_ID_LENGTH) {
      out.add(violation(index, prefix, "source", "must be at most " + MAX_ID_LENGTH + " characters"));
    }
    switch (s.getValueCase()) {
      case NUMBER -> {
        if (!Double.isFinite(s.getNumber())) {
          out.add(violation(index, prefix, "number", "must be finite"));
        }
      }
      case LABEL -> {
        if (s.getLabel().length() > MAX_LABEL_LENGTH) {
          out.add(
              violation(index, prefix, "label", "must be at most " + MAX_LABEL_LENGTH + " characters"));
        }
      }
      default -> out.add(violation(index, prefix, "value", "must set number or label"));
    }
    if (!s.hasOccurredAt()) {
      out.add(violation(index, prefix, "occurred_at", "is required"));
    } else {
      long seconds = s.getOccurredAt().getSeconds();
      int nanos = s.getOccurredAt().getNanos();
      if (nanos < 0 || nanos > 999_999_999) {
        out.add(violation(index, prefix, "occurred_at", "must be a valid timestamp"));
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
          out.add(violation(index, prefix, "occurred_at", "must not be more than a day ahead"));
        } else if (back) {
          out.add(violation(index, prefix, "occurred_at", "must not be more than ten years back"));
        }
      }
    }
    return out.size() == before;
  }

  private static void checkId(String value, int index, String prefix, String field, List<SignalViolation> out) {
    if (value.isEmpty()) {
      out.add(violation(index, prefix, field, "must not be empty"));
    } else if (value.length() > MAX_ID_LENGTH) {
      out.add(violation(index, prefix, field, "must be at most " + MAX_ID_LENGTH + " characters"));
    }
  }

  private static void checkMetric(String metric, int index, String prefix, List<SignalViolation> out) {
    if (metric.isEmpty()) {
      out.add(violation(index, prefix, "metric", "must not be empty"));
      return;
    }
    if (metric.length() > MAX_ID_LENGTH) {
      out.add(violation(index, prefix, "metric", "must be at most " + MAX_ID_LENGTH + " characters"));
      return;
    }
    if (!isMetricName(metric)) {
      out.add(violation(index, prefix, "metric", "must contain only a-z, 0-9, '_' and '.'"));
    }
  }

  /** Whether every character is in [a-z0-9_.]; a loop, not a regex, since it runs per signal. */
  static boolean isMetricName(String metric) {
    for (int i = 0; i < metric.length(); i++) {
      char c = metric.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static SignalViolation violation(int index, String prefix, String field, String reason) {
    return new SignalViolation(index, prefix + field, reason, field);
  }
}
