package io.healthscore.alerting;

import io.healthscore.alerting.alert.AlertEventSink;
import io.healthscore.alerting.dispatch.Outbox;
import io.healthscore.v1.AlertEvent;
import java.sql.Connection;
import java.util.List;

/** Alert events go to the delivery module's outbox. */
final class OutboxSink implements AlertEventSink {
  private final Outbox outbox;

  OutboxSink(Outbox outbox) {
    this.outbox = outbox;
  }

  @Override
  public long append(Connection tx, AlertEvent event, List<String> channelIds) {
    return outbox.append(tx, event, channelIds);
  }

  @Override
  public void wakeUp() {
    outbox.wakeUp();
  }
}
