package io.healthscore.alerting.dispatch;

import io.healthscore.runtime.config.ServiceConfig;
import java.time.Duration;

/**
 * Tuning of the dispatcher, from environment variables (documented in docs/delivery.md).
 *
 * @param backoffBase first retry ceiling; each failure doubles it (HEALTHSCORE_DELIVERY_BACKOFF_BASE)
 * @param backoffCap largest retry ceiling (HEALTHSCORE_DELIVERY_BACKOFF_CAP)
 * @param threads dispatcher threads, i.e. sends in flight per replica (HEALTHSCORE_DELIVERY_THREADS)
 * @param pollInterval how often the outbox is read when nothing woke the dispatcher, e.g. for rows
 *     written by another replica (HEALTHSCORE_DELIVERY_POLL_INTERVAL)
 * @param leaseMargin a claimed delivery is leased for the timeouts of its batch's sends up to its
 *     own plus this margin (docs/delivery.md); after that, e.g. when the replica died mid-send,
 *     another dispatcher may claim it (HEALTHSCORE_DELIVERY_LEASE_MARGIN)
 */
public record DeliverySettings(
    Duration backoffBase, Duration backoffCap, int threads, Duration pollInterval, Duration leaseMargin) {
  public static final String BACKOFF_BASE = "HEALTHSCORE_DELIVERY_BACKOFF_BASE";
  public static final String BACKOFF_CAP = "HEALTHSCORE_DELIVERY_BACKOFF_CAP";
  public static final String THREADS = "HEALTHSCORE_DELIVERY_THREADS";
  public static final String POLL_INTERVAL = "HEALTHSCORE_DELIVERY_POLL_INTERVAL";
  public static final String LEASE_MARGIN = "HEALTHSCORE_DELIVERY_LEASE_MARGIN";
  /**
   * With the cap and the default of 30 attempts per channel, a delivery keeps trying for about two
   * hours on average and gives up within the first hour of an outage only about twice in 100,000
   * (docs/delivery.md has the arithmetic).
   */
  static final Duration DEFAULT_BACKOFF_BASE = Duration.ofSeconds(5);
  static final Duration DEFAULT_BACKOFF_CAP = Duration.ofMinutes(10);

  public DeliverySettings {
    require(!backoffBase.isNegative() && !backoffBase.isZero(), BACKOFF_BASE, "must be above zero");
    require(backoffCap.compareTo(backoffBase) >= 0, BACKOFF_CAP, "must be at least " + BACKOFF_BASE);
    require(threads >= 1 && threads <= 256, THREADS, "must be between 1 and 256");
    require(!pollInterval.isNegative() && !pollInterval.isZero(), POLL_INTERVAL, "must be above zero");
    require(!leaseMargin.isNegative() && !leaseMargin.isZero(), LEASE_MARGIN, "must be above zero");
  }

  public static DeliverySettings from(ServiceConfig config) {
    return new DeliverySettings(
        config.getDuration(BACKOFF_BASE, DEFAULT_BACKOFF_BASE),
        config.getDuration(BACKOFF_CAP, DEFAULT_BACKOFF_CAP),
        config.getInt(THREADS, 4),
        config.getDuration(POLL_INTERVAL, Duration.ofSeconds(1)),
        config.getDuration(LEASE_MARGIN, Duration.ofSeconds(30)));
  }

  private static void require(boolean ok, String variable, String problem) {
    if (!ok) {
      throw new IllegalArgumentException("invalid value for environment variable " + variable + ": " + problem);
    }
  }
}
