package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.alerting.channel.AlertSender;
import io.healthscore.alerting.channel.SendResult;
import io.healthscore.alerting.channel.UrlGuard;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A send connects to the address its check resolved, not to a second resolution of the name. */
class PinnedSendTest {
  @Test
  void aSendGoesToTheCheckedAddressWithTheUrlsHostName() throws Exception {
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      int port = Integer.parseInt(receiver.url("").replaceAll(".*:", ""));
      AtomicInteger resolutions = new AtomicInteger();
      // The system resolver does not know this name; only the guard's resolver does, once per check.
      UrlGuard guard = new UrlGuard(List.of("127.0.0.1"), host -> {
        resolutions.incrementAndGet();
        if (!host.equals("hooks.invalid")) {
          throw new UnknownHostException(host);
        }
        return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
      });
      Channel channel = Channel.newBuilder().setChannelId("pinned").setType(ChannelType.CHANNEL_TYPE_WEBHOOK)
          .setUrl("http://hooks.invalid:" + port + "/hook?team=cs").setTimeoutMs(5000).build();

      SendResult result = new AlertSender(guard, Clock.systemUTC())
          .send(channel, DeliveryFixture.event("a1", AlertEventKind.ALERT_EVENT_KIND_OPENED));

      assertTrue(result.delivered(), result.error());
      assertEquals(1, resolutions.get(), "resolved once, for the check");
      WebhookReceiver.Request request = receiver.requests().get(0);
      assertEquals("hooks.invalid:" + port, request.header("Host"));
      assertEquals("/hook", request.path());
      assertTrue(request.body().contains("\"alert_id\":\"a1\""), request.body());
    }
  }

  @Test
  void aNameThatNowResolvesInwardIsNotConnectedTo() throws Exception {
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      int port = Integer.parseInt(receiver.url("").replaceAll(".*:", ""));
      UrlGuard guard = new UrlGuard(List.of(), host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});
      Channel channel = Channel.newBuilder().setChannelId("rebound").setType(ChannelType.CHANNEL_TYPE_WEBHOOK)
          .setUrl("http://hooks.invalid:" + port + "/hook").setTimeoutMs(5000).build();

      SendResult result = new AlertSender(guard, Clock.systemUTC())
          .send(channel, DeliveryFixture.event("a1", AlertEventKind.ALERT_EVENT_KIND_OPENED));

      assertEquals(SendResult.Outcome.REJECTED, result.outcome());
      assertTrue(result.error().contains("a loopback address"), result.error());
      assertTrue(receiver.requests().isEmpty());
    }
  }
}
