package io.healthscore.signals;

import io.healthscore.runtime.config.ServiceConfig;
import java.time.Duration;

/**
 * The signals-service's own settings, beside the shared {@link ServiceConfig} and the ingest
 * engine's settings.
 *
 * @param maxBatchSignals most signals (or accounts, or outcomes) one request may carry
 * @param autoCreateAccounts whether a signal for an unknown account creates a bare account instead
 *     of being rejected
 * @param feedRetention how long change feed entries are kept
 * @param feedCoalesceWindow under load, how long signal changes are gathered into one feed entry per
 *     account (a change after a quiet window is written at once)
 * @param streamWindow how many batches of one StreamSignals stream the server reads ahead while
 *     earlier ones are being made durable
 */
public record SignalsSettings(
    int maxBatchSignals,
    boolean autoCreateAccounts,
    Duration feedRetention,
    Duration feedCoalesceWindow,
    int streamWindow) {

  public static final String MAX_BATCH_SIGNALS = "HEALTHSCORE_MAX_BATCH_SIGNALS";
  public static final String AUTO_CREATE_ACCOUNTS = "HEALTHSCORE_AUTO_CREATE_ACCOUNTS";
  public static final String FEED_RETENTION_DAYS = "HEALTHSCORE_FEED_RETENTION_DAYS";
  public static final String FEED_COALESCE_WINDOW = "HEALTHSCORE_FEED_COALESCE_WINDOW";
  public static final String STREAM_WINDOW = "HEALTHSCORE_STREAM_WINDOW";

  public static final int DEFAULT_MAX_BATCH_SIGNALS = 10_000;
  public static final int DEFAULT_FEED_RETENTION_DAYS = 7;
  public static final Duration DEFAULT_FEED_COALESCE_WINDOW = Duration.ofMillis(200);
  public static final int DEFAULT_STREAM_WINDOW = 4;

  public SignalsSettings {
    if (maxBatchSignals < 1) {
      throw new IllegalArgumentException(MAX_BATCH_SIGNALS + " must be at least 1: " + maxBatchSignals);
    }
    if (feedRetention.isNegative() || feedRetention.isZero()) {
      throw new IllegalArgumentException(FEED_RETENTION_DAYS + " must be at least 1");
    }
    if (feedCoalesceWindow.isNegative() || feedCoalesceWindow.isZero()) {
      throw new IllegalArgumentException(FEED_COALESCE_WINDOW + " must be positive");
    }
    if (streamWindow < 1 || streamWindow > 64) {
      throw new IllegalArgumentException(STREAM_WINDOW + " must be between 1 and 64: " + streamWindow);
    }
  }

  public static SignalsSettings fromConfig(ServiceConfig config) {
    return new SignalsSettings(
        config.getInt(MAX_BATCH_SIGNALS, DEFAULT_MAX_BATCH_SIGNALS),
        config.getBoolean(AUTO_CREATE_ACCOUNTS, false),
        Duration.ofDays(config.getInt(FEED_RETENTION_DAYS, DEFAULT_FEED_RETENTION_DAYS)),
        config.getDuration(FEED_COALESCE_WINDOW, DEFAULT_FEED_COALESCE_WINDOW),
        config.getInt(STREAM_WINDOW, DEFAULT_STREAM_WINDOW));
  }
}
