package io.healthscore.alerting.alert;

import io.healthscore.v1.AlertEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One transaction that changes alerts: its connection, and the events its changes raised, which
 * {@link AlertTransactions} appends together when the work is done.
 */
public final class AlertTransaction {
  private final Connection connection;
  private final List<AlertEventSink.Raised> raised = new ArrayList<>();

  AlertTransaction(Connection connection) {
    this.connection = connection;
  }

  /** The transaction's connection, for the rows written with the alerts. */
  public Connection connection() {
    return connection;
  }

  /** Records an event to append at the end of the transaction, for the channels. */
  void raise(AlertEvent event, List<String> channelIds) {
    raised.add(new AlertEventSink.Raised(event, channelIds));
  }

  /** Appends what was raised; returns whether there was anything. */
  boolean appendRaised(AlertEventSink sink) throws SQLException {
    if (raised.isEmpty()) {
      return false;
    }
    sink.append(connection, List.copyOf(raised));
    raised.clear();
    return true;
  }
}
