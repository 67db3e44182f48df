package io.healthscore.alerting.support;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Conversions between the epoch milliseconds the tables keep and protobuf Timestamps. */
public final class Times {
  private Times() {}

  public static Timestamp toTimestamp(long epochMillis) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(epochMillis, 1000))
        .setNanos((int) Math.floorMod(epochMillis, 1000) * 1_000_000)
        .build();
  }

  public static Timestamp toTimestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  public static long toMillis(Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }

  public static Instant toInstant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
