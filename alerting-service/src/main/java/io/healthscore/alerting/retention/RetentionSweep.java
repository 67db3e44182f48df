package io.healthscore.alerting.retention;

import io.healthscore.alerting.alert.AlertStore;
import io.healthscore.alerting.dispatch.DeliveryModule;
import io.healthscore.alerting.feed.ReplicaNotices;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.db.CacheNoticeLog;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.logging.FailureLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes, now and then, resolved alerts, finished deliveries and alert events past their
 * retention (and cache notices older than an hour), in small transactions so a sweep never holds locks the feeds and dispatchers wait on.
 * Deliveries go before events, so an event is only deleted once nothing can send it again
 * (RetryDelivery needs the event of a dead delivery).
 */
public final class RetentionSweep implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionSweep.class);
  private final FailureLog failures = new FailureLog(LOG, "retention sweep");
  /** Rows per delete transaction. */
  static final int BATCH = 1000;

  /**
   * How long what is kept (AlertingSettings reads them; documented in docs/alerting.md).
   *
   * @param alerts resolved alerts, with their done tasks and escalation rows, go this long after
   *     they resolved
   * @param events alert events older than this go once no delivery of theirs is left
   * @param deliveries delivered and dead deliveries go this long after they were created
   * @param sweepInterval how often a sweep runs
   */
  public record Periods(Duration alerts, Duration events, Duration deliveries, Duration sweepInterval) {}

  /** How many rows one sweep deleted. */
  public record Deleted(int alerts, int deliveries, int events) {}

  private final Database database;
  private final AlertStore alerts;
  private final DeliveryModule delivery;
  private final ReplicaNotices notices;
  private final Periods settings;
  private final Clock clock;
  private final Counter alertsDeleted;
  private final Counter deliveriesDeleted;
  private final Counter eventsDeleted;
  private ScheduledExecutorService executor;

  public RetentionSweep(Database database, AlertStore alerts, DeliveryModule delivery, ReplicaNotices notices,
      Periods settings, Clock clock, MeterRegistry registry) {
    this.database = database;
    this.alerts = alerts;
    this.delivery = delivery;
    this.notices = notices;
    this.settings = settings;
    this.clock = clock;
    this.alertsDeleted = deletedCounter(registry, "alerts");
    this.deliveriesDeleted = deletedCounter(registry, "deliveries");
    this.eventsDeleted = deletedCounter(registry, "events");
  }

  private static Counter deletedCounter(MeterRegistry registry, String table) {
    return Counter.builder("healthscore.alerting.retention.deleted")
        .description("Rows deleted after their retention, by table")
        .tag("table", table)
        .register(registry);
  }

  public synchronized void start() {
    executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("alerting-retention"));
    long every = settings.sweepInterval().toMillis();
    executor.scheduleWithFixedDelay(() -> failures.attempt(this::run), every, every, TimeUnit.MILLISECONDS);
  }

  /** One sweep: everything past its retention now. */
  public Deleted run() {
    long now = clock.millis();
    long alertsBefore = now - settings.alerts().toMillis();
    long deliveriesBefore = now - settings.deliveries().toMillis();
    long eventsBefore = now - settings.events().toMillis();
    Deleted deleted = new Deleted(
        untilDone(() -> database.inTransaction(c -> alerts.deleteResolvedBefore(c, alertsBefore, BATCH))),
        untilDone(() -> delivery.purgeDeliveriesBefore(deliveriesBefore, BATCH)),
        untilDone(() -> delivery.purgeEventsBefore(eventsBefore, BATCH)));
    // Notices carry the wall clock's time, and every replica reads them within a poll interval.
    notices.prune(System.currentTimeMillis() - CacheNoticeLog.RETENTION.toMillis());
    alertsDeleted.increment(deleted.alerts());
    deliveriesDeleted.increment(deleted.deliveries());
    eventsDeleted.increment(deleted.events());
    if (deleted.alerts() + deleted.deliveries() + deleted.events() > 0) {
      LOG.info("retention deleted " + deleted.alerts() + " resolved alerts, " + deleted.deliveries()
          + " finished deliveries and " + deleted.events() + " alert events");
    }
    return deleted;
  }

  /** Repeats a batch delete until a batch comes back short; returns the rows deleted in all. */
  private static int untilDone(IntSupplier deleteBatch) {
    int total = 0;
    int n;
    do {
      n = deleteBatch.getAsInt();
      total += n;
    } while (n == BATCH);
    return total;
  }

  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
