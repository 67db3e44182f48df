package io.healthscore.alerting.dispatch;

import io.healthscore.v1.ChannelType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivery metrics. Labels are the channel type and the result only: channel, alert and account
 * ids are unbounded and stay out of labels.
 *
 * <ul>
 *   <li>{@code healthscore_alert_deliveries_total{channel_type,result}}: attempts by result,
 *       delivered, failed (will be retried) or dead_lettered;
 *   <li>{@code healthscore_alert_delivery_attempt_seconds{channel_type}}: time of one attempt;
 *   <li>{@code healthscore_alert_delivery_latency_seconds{channel_type}}: from the event's append to
 *       its successful delivery, retries included;
 *   <li>{@code healthscore_alert_outbox_pending} and {@code healthscore_alert_deliveries_dead}:
 *       deliveries waiting and dead-lettered, refreshed by the dispatcher every poll interval.
 * </ul>
 */
final class DeliveryMetrics {
  static final String DELIVERED = "delivered";
  static final String FAILED = "failed";
  static final String DEAD_LETTERED = "dead_lettered";

  private final MeterRegistry registry;
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong dead = new AtomicLong();

  DeliveryMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("healthscore.alert.outbox.pending", pending, AtomicLong::get)
        .description("Deliveries waiting to be sent")
        .register(registry);
    Gauge.builder("healthscore.alert.deliveries.dead", dead, AtomicLong::get)
        .description("Deliveries dead-lettered after their last attempt; retry with RetryDelivery")
        .register(registry);
  }

  void attempt(ChannelType type, String result, Duration took) {
    Counter.builder("healthscore.alert.deliveries")
        .description("Delivery attempts by result")
        .tag("channel_type", label(type))
        .tag("result", result)
        .register(registry)
        .increment();
    Timer.builder("healthscore.alert.delivery.attempt")
        .description("Time of one delivery attempt")
        .tag("channel_type", label(type))
        .register(registry)
        .record(took);
  }

  void delivered(ChannelType type, Duration sinceAppend) {
    Timer.builder("healthscore.alert.delivery.latency")
        .description("Time from an alert event's append to its successful delivery")
        .tag("channel_type", label(type))
        .serviceLevelObjectives(
            Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(30))
        .register(registry)
        .record(sinceAppend.isNegative() ? Duration.ZERO : sinceAppend);
  }

  void backlog(DeliveryStore.Backlog backlog) {
    pending.set(backlog.pending());
    dead.set(backlog.dead());
  }

  /** "webhook", "slack", "grpc_stream", "log"; "unknown" for a channel that no longer exists. */
  static String label(ChannelType type) {
    if (type == null || type == ChannelType.CHANNEL_TYPE_UNSPECIFIED || type == ChannelType.UNRECOGNIZED) {
      return "unknown";
    }
    return type.name().substring("CHANNEL_TYPE_".length()).toLowerCase(Locale.ROOT);
  }
}
