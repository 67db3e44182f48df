package io.healthscore.alerting.dispatch;

import io.healthscore.runtime.db.DatabaseException;
import io.healthscore.v1.AlertEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
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

  /**
   * Appends the event and one PENDING delivery per channel inside {@code tx}, the caller's open
   * transaction, and returns the event's cursor. The cursor is assigned here (leave it unset). The
   * idempotency key is the event's own when set, else "&lt;alert_id&gt;:&lt;kind&gt;:&lt;n&gt;";
   * appending an event whose key is already stored changes nothing and returns the stored cursor,
   * so a caller that repeats its work after a crash does not notify twice.
   *
   * <p>The append holds a lock on the event counter until {@code tx} ends: keep the transaction
   * short after appending.
   */
  public long append(Connection tx, AlertEvent event, List<String> channelIds) {
    try {
      long now = clock.millis();
      AlertEventLog.Appended appended = log.append(tx, event, now);
      if (appended.isNew()) {
        deliveries.insertPending(tx, appended.event(), channelIds, now);
      }
      return appended.event().getCursor();
    } catch (SQLException e) {
      throw new DatabaseException("cannot append alert event: " + e.getMessage(), e);
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
