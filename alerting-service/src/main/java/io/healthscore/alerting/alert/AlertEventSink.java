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
  /** An event and the channels to notify of it. */
  record Raised(AlertEvent event, List<String> channelIds) {}

  /** Appends the events, in order; the append holds the event order's lock until {@code tx} ends. */
  void append(Connection tx, List<Raised> events) throws SQLException;

  /** Called after a transaction that appended events committed. */
  void wakeUp();
}
