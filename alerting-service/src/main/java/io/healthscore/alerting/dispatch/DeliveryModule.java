package io.healthscore.alerting.dispatch;

import io.healthscore.alerting.channel.AlertSender;
import io.healthscore.alerting.channel.ChannelConfigLoader;
import io.healthscore.alerting.channel.ChannelStore;
import io.healthscore.alerting.channel.UrlGuard;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.SqlDialect;
import io.healthscore.runtime.stream.CursorStreamHub;
import io.healthscore.v1.AlertEvent;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything alert delivery needs, built in one place: the durable outbox, the channel store, the
 * API behind the delivery RPCs and the dispatcher threads that send what the outbox holds.
 */
public final class DeliveryModule implements AutoCloseable {
  /** The delivery schema's migrations, recorded under their own owner beside the service's own. */
  static final String MIGRATIONS = "db/alerting-delivery";
  static final String MIGRATIONS_OWNER = "alerting-delivery";
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryModule.class);

  private final Database db;
  private final ChannelStore channels;
  private final DeliveryStore deliveries;
  private final Dispatcher dispatcher;
  /** The SubscribeAlerts streams, woken after each append and on a poll for other replicas' appends. */
  private final CursorStreamHub<AlertEvent> streams;
  private final ScheduledExecutorService streamPoll;
  private final Outbox outbox;
  private final AlertEventLog log;
  private final DeliveryApi api;

  private DeliveryModule(Database db, ServiceConfig config, MeterRegistry registry, Clock clock) {
    DeliverySettings settings = DeliverySettings.from(config);
    UrlGuard urlGuard = new UrlGuard(config.webhookAllowlist());
    this.log = new AlertEventLog(db);
    AlertSender sender = new AlertSender(urlGuard, clock);
    this.db = db;
    this.channels = new ChannelStore(db, urlGuard);
    this.deliveries = new DeliveryStore(db);
    this.dispatcher =
        new Dispatcher(
            deliveries,
            channels,
            sender,
            new Backoff(
                settings.backoffBase(),
                settings.backoffCap(),
                () -> ThreadLocalRandom.current().nextDouble()),
            new DeliveryMetrics(registry),
            settings,
            clock);
    this.streams = new CursorStreamHub<>("alert-stream", log);
    this.streamPoll = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("alert-stream-poll"));
    long pollMs = settings.pollInterval().toMillis();
    streamPoll.scheduleWithFixedDelay(streams::wakeAll, pollMs, pollMs, TimeUnit.MILLISECONDS);
    this.outbox =
        new Outbox(
            log,
            deliveries,
            () -> {
              dispatcher.wakeUp();
              streams.wakeAll();
            },
            clock);
    this.api = new DeliveryApi(channels, deliveries, streams, sender, dispatcher::wakeUp, clock);
  }

  /**
   * Runs the delivery migrations (db/alerting-delivery), loads channels from
   * {@code <HEALTHSCORE_CONFIG_DIR>/channels/*.yaml} when set, and registers the metrics. Call
   * {@link #start()} to begin sending.
   */
  public static DeliveryModule create(Database db, ServiceConfig config, MeterRegistry registry) {
    db.migrate(MIGRATIONS, MIGRATIONS_OWNER);
    DeliveryModule module = new DeliveryModule(db, config, registry, Clock.systemUTC());
    config
        .configDir()
        .ifPresent(
            dir -> {
              int loaded =
                  new ChannelConfigLoader(module.channels, name -> config.get(name, ""))
                      .load(dir)
                      .size();
              LOG.info("loaded " + loaded + " delivery channels from " + dir.resolve("channels"));
            });
    return module;
  }

  /** Where alert events are written, inside the caller's transaction. */
  public Outbox outbox() {
    return outbox;
  }

  /** Delivery channels. */
  public ChannelStore channels() {
    return channels;
  }

  /** What the gRPC service delegates the delivery RPCs to. */
  public DeliveryApi api() {
    return api;
  }

  /** Deletes up to {@code limit} delivered and dead deliveries created before {@code beforeMs}. */
  public int purgeDeliveriesBefore(long beforeMs, int limit) {
    return deliveries.deleteFinishedBefore(beforeMs, limit);
  }

  /** Deletes up to {@code limit} events from before {@code beforeMs} that no delivery needs. */
  public int purgeEventsBefore(long beforeMs, int limit) {
    return log.deleteBefore(beforeMs, limit);
  }

  /**
   * Starts the dispatcher threads. On the embedded database, leases left by a previous run that
   * died are dropped first (one process owns that database), so its deliveries go out at once.
   */
  public void start() {
    if (db.dialect() == SqlDialect.H2) {
      int released = deliveries.releaseAllLeases();
      if (released > 0) {
        LOG.info("sending again " + released + " deliveries that were in flight when the last run stopped");
      }
    }
    dispatcher.start();
  }

  /** Stops the dispatcher (waiting briefly for sends in flight) and ends every SubscribeAlerts stream. */
  @Override
  public void close() {
    streamPoll.shutdownNow();
    streams.close();
    dispatcher.stop(Duration.ofSeconds(5));
  }
}
