package io.healthscore.alerting.dispatch;

import io.healthscore.alerting.channel.UrlGuard;
import io.healthscore.alerting.channel.ChannelStore;
import io.healthscore.alerting.channel.AlertSender;

import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.AlertState;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.Delivery;
import io.healthscore.v1.DeliveryState;
import io.healthscore.v1.ListDeliveriesRequest;
import io.healthscore.v1.Severity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A delivery module on a database of its own, with fast retries, for tests. */
final class DeliveryFixture implements AutoCloseable {
  final Database db;
  final DeliveryModule module;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private DeliveryFixture(Database db, ServiceConfig config) {
    this.db = db;
    this.module = DeliveryModule.create(db, config, registry);
  }

  /** Fast settings, 127.0.0.1 allowed; {@code overrides} replace or add variables. */
  static ServiceConfig config(Path dataDir, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put(ServiceConfig.DATA_DIR, dataDir.toString());
    env.put(ServiceConfig.WEBHOOK_ALLOWLIST, "127.0.0.1");
    env.put(DeliverySettings.BACKOFF_BASE, "20ms");
    env.put(DeliverySettings.BACKOFF_CAP, "200ms");
    env.put(DeliverySettings.POLL_INTERVAL, "50ms");
    env.put(DeliverySettings.LEASE_MARGIN, "2s");
    env.putAll(overrides);
    return ServiceConfig.fromMap("alerting-service", 0, 0, env);
  }

  /** An embedded database under {@code dataDir}. */
  static DeliveryFixture embedded(Path dataDir, Map<String, String> overrides) {
    ServiceConfig config = config(dataDir, overrides);
    return new DeliveryFixture(Database.open(config), config);
  }

  /** A module on an open database, e.g. a second replica on the same PostgreSQL. */
  static DeliveryFixture on(ServiceConfig config) {
    return new DeliveryFixture(Database.open(config), config);
  }

  DeliveryFixture started() {
    module.start();
    return this;
  }

  Channel webhook(String id, String url, int maxAttempts, int timeoutMs) {
    return module
        .channels()
        .put(
            Channel.newBuilder()
                .setChannelId(id)
                .setType(ChannelType.CHANNEL_TYPE_WEBHOOK)
                .setUrl(url)
                .setSecret("s3cret-" + id)
                .setMaxAttempts(maxAttempts)
                .setTimeoutMs(timeoutMs)
                .build());
  }

  /**
   * A dispatcher on this fixture's store that runs only when the test calls it, on {@code clock},
   * with one thread and 127.0.0.1 allowed.
   */
  Dispatcher manualDispatcher(DeliveryStore store, Clock clock, Backoff backoff, DeliverySettings settings) {
    UrlGuard guard = new UrlGuard(List.of("127.0.0.1"));
    return new Dispatcher(store, new ChannelStore(db, guard), new AlertSender(guard, clock), backoff,
        new DeliveryMetrics(new SimpleMeterRegistry()), settings, clock);
  }

  /** Appends an "opened" event of a new alert in its own transaction, as the alert engine does. */
  long raise(String alertId, List<String> channelIds) {
    return append(event(alertId, AlertEventKind.ALERT_EVENT_KIND_OPENED), channelIds);
  }

  long append(AlertEvent event, List<String> channelIds) {
    long cursor = db.inTransaction(tx -> module.outbox().append(tx, List.of(new Outbox.Entry(event, channelIds))).get(0));
    module.outbox().wakeUp();
    return cursor;
  }

  static AlertEvent event(String alertId, AlertEventKind kind) {
    return AlertEvent.newBuilder()
        .setKind(kind)
        .setAlert(
            Alert.newBuilder()
                .setAlertId(alertId)
                .setRuleId("rule-red")
                .setAccountId("acct-" + alertId)
                .setSeverity(Severity.SEVERITY_CRITICAL)
                .setState(AlertState.ALERT_STATE_OPEN)
                .setReason("score fell from 7.2 to 3.1 in 14 days")
                .setOpenedAt(Timestamps.fromMillis(1_700_000_000_000L))
                .setDedupKey("rule-red/acct-" + alertId))
        .build();
  }

  List<Delivery> deliveries(DeliveryState state) {
    return module
        .api()
        .listDeliveries(ListDeliveriesRequest.newBuilder().setState(state).setPageSize(1000).build())
        .getDeliveriesList();
  }

  Delivery delivery(String id) {
    return module.api().listDeliveries(ListDeliveriesRequest.newBuilder().setPageSize(1000).build())
        .getDeliveriesList().stream()
        .filter(d -> d.getDeliveryId().equals(id))
        .findFirst()
        .orElseThrow();
  }

  @Override
  public void close() {
    module.close();
    db.close();
  }
}
