package io.healthscore.alerting.dispatch;

import io.healthscore.alerting.channel.ChannelStore;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Everything alert delivery needs, built in one place: the durable outbox, the channel store, the
 * API behind the delivery RPCs and the dispatcher threads that send what the outbox holds.
 */
public final class DeliveryModule implements AutoCloseable {

  private DeliveryModule() {}

  /**
   * Runs the delivery migrations (db/alerting-delivery), loads channels from
   * {@code <HEALTHSCORE_CONFIG_DIR>/channels/*.yaml} when set, and registers the metrics. Call
   * {@link #start()} to begin sending.
   */
  public static DeliveryModule create(Database db, ServiceConfig config, MeterRegistry registry) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Where alert events are written, inside the caller's transaction. */
  public Outbox outbox() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Delivery channels. */
  public ChannelStore channels() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** What the gRPC service delegates the delivery RPCs to. */
  public DeliveryApi api() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Starts the dispatcher threads. */
  public void start() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Stops the dispatcher and ends every SubscribeAlerts stream. */
  @Override
  public void close() {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
