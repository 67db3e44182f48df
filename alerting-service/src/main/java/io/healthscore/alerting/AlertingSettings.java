package io.healthscore.alerting;

import io.healthscore.alerting.retention.RetentionSweep;
import io.healthscore.runtime.config.ServiceConfig;
import java.time.Duration;

/**
 * alerting-service's own variables, read once at start (bad values stop the service, naming the
 * variable).
 *
 * @param escalationScanInterval HEALTHSCORE_ALERTING_ESCALATION_SCAN (default 30s): how often due
 *     escalations are looked for
 * @param accountCacheTtl HEALTHSCORE_ALERTING_ACCOUNT_CACHE_TTL (default 5m): how long an account read
 *     from signals-service is reused (edits reported on the change feed drop it at once)
 * @param callDeadline HEALTHSCORE_ALERTING_CALL_DEADLINE (default 10s): deadline of each unary call
 *     to signals-service
 * @param feedMaxBackoff HEALTHSCORE_ALERTING_FEED_MAX_BACKOFF (default 10s): longest wait between
 *     reconnects of the score and signal feeds
 * @param sweepInterval HEALTHSCORE_ALERTING_SWEEP_INTERVAL (default 1h): how often every known
 *     account is evaluated again for conditions that change with time alone
 * @param modelHealthInterval HEALTHSCORE_ALERTING_MODEL_HEALTH_INTERVAL (default 5m): how often
 *     scoring-service is asked whether its learned model is due for recalibration (only while a
 *     recalibration_due rule is enabled)
 * @param retention HEALTHSCORE_ALERTING_ALERT_RETENTION (365d), HEALTHSCORE_ALERTING_EVENT_RETENTION
 *     (30d), HEALTHSCORE_DELIVERY_RETENTION (30d) and HEALTHSCORE_ALERTING_RETENTION_SWEEP (1h)
 */
public record AlertingSettings(
    Duration escalationScanInterval,
    Duration accountCacheTtl,
    Duration callDeadline,
    Duration feedMaxBackoff,
    Duration sweepInterval,
    Duration modelHealthInterval,
    RetentionSweep.Periods retention) {
  public static final String ESCALATION_SCAN = "HEALTHSCORE_ALERTING_ESCALATION_SCAN";
  public static final String ACCOUNT_CACHE_TTL = "HEALTHSCORE_ALERTING_ACCOUNT_CACHE_TTL";
  public static final String CALL_DEADLINE = "HEALTHSCORE_ALERTING_CALL_DEADLINE";
  public static final String FEED_MAX_BACKOFF = "HEALTHSCORE_ALERTING_FEED_MAX_BACKOFF";
  public static final String SWEEP_INTERVAL = "HEALTHSCORE_ALERTING_SWEEP_INTERVAL";
  public static final String MODEL_HEALTH_INTERVAL = "HEALTHSCORE_ALERTING_MODEL_HEALTH_INTERVAL";
  public static final String ALERT_RETENTION = "HEALTHSCORE_ALERTING_ALERT_RETENTION";
  public static final String EVENT_RETENTION = "HEALTHSCORE_ALERTING_EVENT_RETENTION";
  public static final String DELIVERY_RETENTION = "HEALTHSCORE_DELIVERY_RETENTION";
  public static final String RETENTION_SWEEP = "HEALTHSCORE_ALERTING_RETENTION_SWEEP";

  public static AlertingSettings from(ServiceConfig config) {
    return new AlertingSettings(
        positive(config, ESCALATION_SCAN, Duration.ofSeconds(30)),
        positive(config, ACCOUNT_CACHE_TTL, Duration.ofMinutes(5)),
        positive(config, CALL_DEADLINE, Duration.ofSeconds(10)),
        positive(config, FEED_MAX_BACKOFF, Duration.ofSeconds(10)),
        positive(config, SWEEP_INTERVAL, Duration.ofHours(1)),
        positive(config, MODEL_HEALTH_INTERVAL, Duration.ofMinutes(5)),
        new RetentionSweep.Periods(
            positive(config, ALERT_RETENTION, Duration.ofDays(365)),
            positive(config, EVENT_RETENTION, Duration.ofDays(30)),
            positive(config, DELIVERY_RETENTION, Duration.ofDays(30)),
            positive(config, RETENTION_SWEEP, Duration.ofHours(1))));
  }

  private static Duration positive(ServiceConfig config, String name, Duration defaultValue) {
    Duration d = config.getDuration(name, defaultValue);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException("invalid value for environment variable " + name + ": must be above 0");
    }
    return d;
  }
}
