package io.healthscore.alerting.dispatch;

import io.healthscore.runtime.db.DatabaseException;
import io.healthscore.v1.AlertEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The durable outbox of alert events. Events are appended in the caller's transaction, together
 * with the alert change they describe, so an event exists exactly when its alert change committed;
 * nothing is sent before that commit, and nothing committed is forgotten.
 *
 * <p>Channels of type CHANNEL_TYPE_GRPC_STREAM get no delivery row: every event is in the stream
 * SubscribeAlerts serves, which is their delivery.
 */
public final class Outbox {
  private final AlertEventLog log;
  private final DeliveryStore deliveries;
  private final Runnable wakeUp;
  private final Clock clock;

  Outbox(AlertEventLog log, DeliveryStore deliveries, Runnable wakeUp, Clock clock) {
    this.log = log;
    this.deliveries = deliveries;
    this.wakeUp = wakeUp;
    this.clock = clock;
  }

  /** An event to append and the channels to deliver it to. */
  public record Entry(AlertEvent event, List<String> channelIds) {}

  /**
   * Appends the events, in order, and one PENDING delivery per event and channel inside {@code tx},
   * the caller's open transaction, and returns the events' cursors in the same order. The cursors
   * are assigned here (leave them unset). The idempotency key is the event's own when set, else
   * "&lt;alert_id&gt;:&lt;kind&gt;:&lt;n&gt;"; appending an event whose key is already stored
   * changes nothing and returns the stored cursor, so a caller that repeats its work after a crash
   * does not notify twice.
   *
   * <p>The append holds a lock on the event counter until {@code tx} ends: append once, at the
   * end of the transaction.
   */
  public List<Long> append(Connection tx, List<Entry> entries) {
    try {
      long now = clock.millis();
      List<AlertEventLog.Appended> appended = log.append(tx, entries.stream().map(Entry::event).toList(), now);
      List<DeliveryStore.Pending> pending = new ArrayList<>();
      List<Long> cursors = new ArrayList<>(entries.size());
      for (int i = 0; i < entries.size(); i++) {
        AlertEventLog.Appended a = appended.get(i);
        if (a.isNew()) {
          pending.add(new DeliveryStore.Pending(a.event(), entries.get(i).channelIds()));
        }
        cursors.add(a.event().getCursor());
      }
      deliveries.insertPending(tx, pending, now);
      return cursors;
    } catch (SQLException e) {
      throw new DatabaseException("cannot append alert events: " + e.getMessage(), e);
    }
  }

  /**
   * Call after the transaction committed: the dispatcher sends at once and subscribers read at once
   * instead of at their next poll. Harmless when nothing was appended.
   */
  public void wakeUp() {
    wakeUp.run();
  }
}
