package io.healthscore.runtime.api;

import com.google.protobuf.Timestamp;
import io.healthscore.runtime.error.InvalidArgumentException;
import java.time.Instant;

/**
 * Reads timestamps out of requests. A Timestamp outside what protobuf defines (seconds before
 * 0001-01-01 or after 9999-12-31, nanos outside 0..999,999,999) is the caller's mistake, so it is
 * refused as INVALID_ARGUMENT naming the field instead of failing deep in a conversion.
 */
public final class RequestTimes {
  /** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range google.protobuf.Timestamp defines. */
  private static final long MIN_SECONDS = -62_135_596_800L;
  private static final long MAX_SECONDS = 253_402_300_799L;

  private RequestTimes() {}

  public static long millis(String field, Timestamp timestamp) {
    return instant(field, timestamp).toEpochMilli();
  }

  public static Instant instant(String field, Timestamp timestamp) {
    check(field, timestamp);
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  private static void check(String field, Timestamp timestamp) {
    boolean valid = timestamp.getSeconds() >= MIN_SECONDS && timestamp.getSeconds() <= MAX_SECONDS
        && timestamp.getNanos() >= 0 && timestamp.getNanos() <= 999_999_999;
    if (!valid) {
      throw InvalidArgumentException.forField(
          field, "is not a valid timestamp: seconds must lie in 0001-01-01..9999-12-31 and nanos in 0..999999999");
    }
  }
}
