package io.healthscore.alerting.dispatch;

import io.healthscore.v1.AlertEvent;
import java.sql.Connection;
import java.util.List;

/**
 * The durable outbox of alert events. Events are appended in the caller's transaction, together
 * with the alert change they describe, so an event exists exactly when its alert change committed.
 */
public final class Outbox {

  /**
   * Appends the event (its cursor is assigned here; leave it unset) and one PENDING delivery per
   * channel, inside {@code tx}, the caller's open transaction. Returns the event's cursor.
   */
  public long append(Connection tx, AlertEvent event, List<String> channelIds) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Call after the transaction committed: starts delivery and wakes subscribers at once. */
  public void wakeUp() {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
