package io.healthscore.alerting.alert;

import io.healthscore.v1.AlertEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Where alert events go: the durable outbox of the delivery module. {@link #append} writes inside
 * the caller's transaction, so an event exists exactly when the alert change it describes was
 * committed; {@link #wakeUp} tells the dispatcher after the commit that there is work.
 */
public interface AlertEventSink {
  /** Appends the event for the channels; returns its cursor. */
  long append(Connection tx, AlertEvent event, List<String> channelIds) throws SQLException;

  /** Called after a transaction that appended events committed. */
  void wakeUp();
}
