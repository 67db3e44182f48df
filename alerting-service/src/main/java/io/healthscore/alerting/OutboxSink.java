package io.healthscore.alerting;

import io.healthscore.alerting.alert.AlertEventSink;
import io.healthscore.alerting.dispatch.Outbox;
import java.sql.Connection;
import java.util.List;

/** Alert events go to the delivery module's outbox. */
public final class OutboxSink implements AlertEventSink {
  private final Outbox outbox;

  public OutboxSink(Outbox outbox) {
    this.outbox = outbox;
  }

  @Override
  public void append(Connection tx, List<Raised> events) {
    outbox.append(tx, events.stream().map(e -> new Outbox.Entry(e.event(), e.channelIds())).toList());
  }

  @Override
  public void wakeUp() {
    outbox.wakeUp();
  }
}
