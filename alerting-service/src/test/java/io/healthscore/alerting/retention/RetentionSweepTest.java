package io.healthscore.alerting.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.healthscore.alerting.fakes.AlertingHarness;
import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertState;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.DeliveryState;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ListDeliveriesRequest;
import io.healthscore.v1.PutChannelRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.ResolveAlertRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionSweepTest {
  @TempDir Path dir;
  private AlertingHarness h;

  @BeforeEach
  void start() {
    h = AlertingHarness.start(dir);
    h.stub.putChannel(PutChannelRequest.newBuilder().setChannel(Channel.newBuilder()
        .setChannelId("ops").setType(ChannelType.CHANNEL_TYPE_LOG)).build());
    h.stub.putRule(PutRuleRequest.newBuilder().setRule(RuleYaml.parse("""
        rule_id: red
        condition: {band_transition: {to: [BAND_RED]}}
        playbook:
          - notify: {channel_id: ops}
        """).get(0)).build());
    for (String account : List.of("resolved-long-ago", "still-open")) {
      h.signals.setAccount(Account.newBuilder().setAccountId(account).build());
    }
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void resolvedAlertsFinishedDeliveriesAndTheirEventsGoAfterTheirRetention() throws Exception {
    h.score("resolved-long-ago", 3);
    String resolved = alerts().get(0).getAlertId();
    h.stub.resolveAlert(ResolveAlertRequest.newBuilder().setAlertId(resolved).setNote("handled").build());
    h.score("still-open", 3);
    awaitDelivered(3);

    assertEquals(new RetentionSweep.Deleted(0, 0, 0), h.server.retention().run(), "nothing is old yet");

    h.clock.advance(Duration.ofDays(400));
    assertEquals(new RetentionSweep.Deleted(1, 3, 3), h.server.retention().run());
    List<Alert> left = alerts();
    assertEquals(1, left.size());
    assertEquals("still-open", left.get(0).getAccountId(), "an open alert is kept however old");
    assertEquals(AlertState.ALERT_STATE_OPEN, left.get(0).getState());
    assertEquals(0, h.stub.listDeliveries(ListDeliveriesRequest.getDefaultInstance()).getDeliveriesCount());
    assertEquals(new RetentionSweep.Deleted(0, 0, 0), h.server.retention().run());
  }

  private List<Alert> alerts() {
    return h.stub.listAlerts(ListAlertsRequest.getDefaultInstance()).getAlertsList();
  }

  private void awaitDelivered(int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (h.stub.listDeliveries(ListDeliveriesRequest.newBuilder().setState(DeliveryState.DELIVERY_STATE_DELIVERED)
        .build()).getDeliveriesCount() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up waiting for " + n + " deliveries");
      }
      Thread.sleep(10);
    }
  }
}
