package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.healthscore.alerting.channel.AlertSender;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.LogCapture;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.Delivery;
import io.healthscore.v1.DeliveryState;
import io.healthscore.v1.RetryDeliveryRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DispatcherTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private WebhookReceiver receiver;
  private DeliveryFixture fixture;

  @BeforeEach
  void setUp() throws Exception {
    receiver = new WebhookReceiver();
    fixture = DeliveryFixture.embedded(dir, Map.of()).started();
  }

  @AfterEach
  void tearDown() {
    fixture.close();
    receiver.close();
  }

  @Test
  void everyEventArrivesSignedAfterTheReceiverRecovers() throws Exception {
    receiver.failFirst(4, 503);
    fixture.webhook("ops", receiver.url("/hook"), 20, 5000);
    for (int i = 1; i <= 5; i++) {
      fixture.raise("a" + i, List.of("ops"));
    }

    Await.until("all five are delivered", () -> fixture.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED).size() == 5);

    List<WebhookReceiver.Request> requests = receiver.requests();
    assertEquals(9, requests.size(), "4 refused + 5 accepted");
    Set<String> keys = requests.stream().map(r -> r.header("Idempotency-Key")).collect(Collectors.toSet());
    assertEquals(Set.of("a1:opened:1", "a2:opened:1", "a3:opened:1", "a4:opened:1", "a5:opened:1"), keys);
    for (WebhookReceiver.Request r : requests) {
      assertTrue(verifies("s3cret-ops", r), "signature of " + r.body());
      JsonNode body = JSON.readTree(r.body());
      assertEquals(r.header("Idempotency-Key"), body.get("idempotency_key").asText());
      assertEquals("opened", body.get("kind").asText());
      assertEquals("critical", body.get("severity").asText());
      assertEquals("acct-" + body.get("alert_id").asText(), body.get("account_id").asText());
      assertEquals("2023-11-14T22:13:20Z", body.get("opened_at").asText());
    }
    // Repeated sends of one event carry one key and one body; attempts match what was received.
    for (Delivery d : fixture.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED)) {
      List<WebhookReceiver.Request> sends =
          receiver.requests(r -> d.getIdempotencyKey().equals(r.header("Idempotency-Key")));
      assertEquals(sends.size(), d.getAttempts(), d.getDeliveryId());
      assertEquals(1, sends.stream().map(WebhookReceiver.Request::body).distinct().count());
      assertEquals("", d.getLastError());
    }
    Await.until("deliveries counted", () -> counter("webhook", "delivered") == 5.0);
    assertEquals(4.0, counter("webhook", "failed"));
  }

  @Test
  void deadAfterMaxAttemptsThenRetryDeliveryRevivesIt() {
    receiver.failFirst(3, 500);
    fixture.webhook("ops", receiver.url("/hook"), 3, 5000);
    long cursor = fixture.raise("a1", List.of("ops"));
    String id = cursor + "-ops";

    Await.until("dead-lettered", () -> fixture.deliveries(DeliveryState.DELIVERY_STATE_DEAD).size() == 1);
    Delivery dead = fixture.delivery(id);
    assertEquals(3, dead.getAttempts());
    assertTrue(dead.getLastError().startsWith("HTTP 500"), dead.getLastError());
    assertEquals(3, receiver.requests().size());
    // Counted just after the outcome commits, so a reader may see the state first.
    Await.until("dead-lettered counted", () -> counter("webhook", "dead_lettered") == 1.0);
    Await.until("dead gauge", () -> gauge("healthscore.alert.deliveries.dead") == 1.0);

    Delivery queued =
        fixture.module.api().retryDelivery(RetryDeliveryRequest.newBuilder().setDeliveryId(id).build()).getDelivery();
    assertEquals(DeliveryState.DELIVERY_STATE_PENDING, queued.getState());
    assertEquals(0, queued.getAttempts());

    Await.until("delivered after retry", () -> fixture.delivery(id).getState() == DeliveryState.DELIVERY_STATE_DELIVERED);
    assertEquals(4, receiver.requests().size());
    assertThrows(
        FailedPreconditionException.class,
        () -> fixture.module.api().retryDelivery(RetryDeliveryRequest.newBuilder().setDeliveryId(id).build()));
    assertThrows(
        NotFoundException.class,
        () -> fixture.module.api().retryDelivery(RetryDeliveryRequest.newBuilder().setDeliveryId("9-none").build()));
  }

  @Test
  void aTimeoutIsAFailedAttempt() {
    receiver.delay(Duration.ofSeconds(3));
    fixture.webhook("slow", receiver.url("/hook"), 2, 200);
    long cursor = fixture.raise("a1", List.of("slow"));

    Await.until("dead-lettered", () -> fixture.delivery(cursor + "-slow").getState() == DeliveryState.DELIVERY_STATE_DEAD);
    Delivery d = fixture.delivery(cursor + "-slow");
    assertEquals(2, d.getAttempts());
    assertTrue(d.getLastError().contains("timed out after 200 ms"), d.getLastError());
  }

  @Test
  void aSlowReceiverDoesNotLetTheRestOfAClaimedBatchBeSentTwice() throws Exception {
    fixture.close();
    // A short margin: each send takes longer than the margin, so a batch sent one by one outlives a
    // lease of one timeout plus margin unless each claim's lease covers the sends before it.
    fixture =
        DeliveryFixture.embedded(
            dir, Map.of(DeliverySettings.LEASE_MARGIN, "100ms", DeliverySettings.THREADS, "2"));
    receiver.delay(Duration.ofMillis(300));
    fixture.webhook("slow", receiver.url("/hook"), 5, 1000);
    for (int i = 1; i <= 8; i++) {
      fixture.raise("a" + i, List.of("slow"));
    }
    fixture.started();

    Await.until("all eight delivered", () -> fixture.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED).size() == 8);
    List<String> keys = receiver.requests().stream().map(r -> r.header("Idempotency-Key")).toList();
    assertEquals(8, keys.size(), "each event sent once: " + keys);
    assertEquals(8, Set.copyOf(keys).size());
    assertEquals(0, receiver.concurrentDuplicates());
  }

  @Test
  void redirectsAreNotFollowed() {
    fixture.webhook("moved", receiver.url("/redirect"), 5, 5000);
    long cursor = fixture.raise("a1", List.of("moved"));

    Await.until("dead-lettered", () -> fixture.delivery(cursor + "-moved").getState() == DeliveryState.DELIVERY_STATE_DEAD);
    Delivery d = fixture.delivery(cursor + "-moved");
    assertEquals(1, d.getAttempts(), "a redirect is not retried");
    assertTrue(d.getLastError().contains("redirect to " + receiver.url("/target") + " not followed"), d.getLastError());
    assertTrue(receiver.requests(r -> r.path().equals("/target")).isEmpty());
  }

  @Test
  void aClientErrorIsDeadLetteredAtOnceButTooManyRequestsIsRetried() throws Exception {
    receiver.failFirst(1, 404);
    fixture.webhook("gone", receiver.url("/hook"), 5, 5000);
    long first = fixture.raise("a1", List.of("gone"));
    Await.until("dead-lettered", () -> fixture.delivery(first + "-gone").getState() == DeliveryState.DELIVERY_STATE_DEAD);
    assertEquals(1, fixture.delivery(first + "-gone").getAttempts());

    try (WebhookReceiver busy = new WebhookReceiver().failFirst(2, 429)) {
      fixture.webhook("busy", busy.url("/hook"), 5, 5000);
      long second = fixture.raise("a2", List.of("busy"));
      Await.until("delivered", () -> fixture.delivery(second + "-busy").getState() == DeliveryState.DELIVERY_STATE_DELIVERED);
      assertEquals(3, fixture.delivery(second + "-busy").getAttempts());
    }
  }

  @Test
  void theUrlIsCheckedAgainWhenSending() throws Exception {
    fixture.webhook("inside", receiver.url("/hook"), 5, 5000);
    fixture.close();
    // The same database, now without 127.0.0.1 in the allowlist: as if the name had been rebound.
    fixture =
        DeliveryFixture.embedded(dir, Map.of(ServiceConfig.WEBHOOK_ALLOWLIST, "10.0.0.0/8")).started();
    long cursor = fixture.raise("a1", List.of("inside"));

    Await.until("dead-lettered", () -> fixture.delivery(cursor + "-inside").getState() == DeliveryState.DELIVERY_STATE_DEAD);
    assertTrue(fixture.delivery(cursor + "-inside").getLastError().contains("loopback"));
    assertTrue(receiver.requests().isEmpty());
  }

  @Test
  void slackGetsAReadableMessage() throws Exception {
    fixture.module.channels().put(
        Channel.newBuilder().setChannelId("slack").setType(ChannelType.CHANNEL_TYPE_SLACK)
            .setUrl(receiver.url("/slack")).build());
    fixture.raise("a1", List.of("slack"));

    Await.until("delivered", () -> receiver.requests().size() == 1);
    WebhookReceiver.Request r = receiver.requests().get(0);
    assertEquals(null, r.header("X-Healthscore-Signature"));
    JsonNode body = JSON.readTree(r.body());
    String text = body.get("text").asText();
    assertTrue(text.contains("CRITICAL"), text);
    assertTrue(text.contains("acct-a1"), text);
    assertTrue(text.contains("score fell from 7.2 to 3.1 in 14 days"), text);
    assertFalse(r.body().contains("http"), "no links: " + r.body());
    JsonNode blocks = body.get("blocks");
    assertEquals("section", blocks.get(0).get("type").asText());
    assertEquals("mrkdwn", blocks.get(0).get("text").get("type").asText());
    assertTrue(blocks.get(0).get("text").get("text").asText().contains("acct-a1"));
    assertEquals("context", blocks.get(1).get("type").asText());
    assertTrue(blocks.get(1).get("elements").get(0).get("text").asText().contains("rule-red"));
  }

  @Test
  void theLogChannelWritesOneLinePerEvent() {
    try (LogCapture log = LogCapture.of(AlertSender.LOG_CHANNEL_LOGGER, Level.INFO)) {
      fixture.module.channels().put(
          Channel.newBuilder().setChannelId("log").setType(ChannelType.CHANNEL_TYPE_LOG).build());
      long cursor = fixture.raise("a1", List.of("log"));
      Await.until("delivered", () -> fixture.delivery(cursor + "-log").getState() == DeliveryState.DELIVERY_STATE_DELIVERED);
      assertEquals(1, log.messages().size());
      assertTrue(log.messages().get(0).startsWith("alert_event channel=log {"), log.messages().get(0));
      assertTrue(log.messages().get(0).contains("\"idempotency_key\":\"a1:opened:1\""), log.messages().get(0));
    }
  }

  @Test
  void streamChannelsGetNoDeliveryRowAndUnknownChannelsAreDeadLettered() {
    fixture.module.channels().put(
        Channel.newBuilder().setChannelId("stream").setType(ChannelType.CHANNEL_TYPE_GRPC_STREAM).build());
    long cursor = fixture.raise("a1", List.of("stream", "nobody"));

    Await.until("dead-lettered", () -> fixture.deliveries(DeliveryState.DELIVERY_STATE_DEAD).size() == 1);
    List<Delivery> all = fixture.deliveries(DeliveryState.DELIVERY_STATE_UNSPECIFIED);
    assertEquals(1, all.size());
    assertEquals(cursor + "-nobody", all.get(0).getDeliveryId());
    assertTrue(all.get(0).getLastError().contains("channel nobody does not exist"));
  }

  @Test
  void oneAppendOfManyEventsStoresEachKeyOnceInOrderWithConsecutiveCursors() {
    var stored = DeliveryFixture.event("a0", AlertEventKind.ALERT_EVENT_KIND_OPENED).toBuilder()
        .setIdempotencyKey("engine-key-0").build();
    long before = fixture.append(stored, List.of("ops"));
    var fresh = DeliveryFixture.event("a1", AlertEventKind.ALERT_EVENT_KIND_OPENED).toBuilder()
        .setIdempotencyKey("engine-key-1").build();
    var generated = DeliveryFixture.event("a2", AlertEventKind.ALERT_EVENT_KIND_OPENED);

    List<Long> cursors = fixture.db.inTransaction(tx -> fixture.module.outbox().append(tx, List.of(
        new Outbox.Entry(stored, List.of("ops")),
        new Outbox.Entry(fresh, List.of("ops")),
        new Outbox.Entry(fresh, List.of("ops")),
        new Outbox.Entry(generated, List.of("ops")),
        new Outbox.Entry(generated, List.of("ops")))));

    assertEquals(List.of(before, before + 1, before + 1, before + 2, before + 3), cursors,
        "a stored key and a key seen earlier in the append keep their cursor; new ones follow without a gap");
    assertEquals(
        Set.of("engine-key-0", "engine-key-1", "a2:opened:1", "a2:opened:2"),
        fixture.deliveries(DeliveryState.DELIVERY_STATE_UNSPECIFIED).stream()
            .map(d -> d.getIdempotencyKey()).collect(Collectors.toSet()));
    assertEquals(4, fixture.deliveries(DeliveryState.DELIVERY_STATE_UNSPECIFIED).size(), "one delivery per event stored");
  }

  @Test
  void appendingTheSameKeyTwiceNotifiesOnce() {
    fixture.webhook("ops", receiver.url("/hook"), 5, 5000);
    var event = DeliveryFixture.event("a1", AlertEventKind.ALERT_EVENT_KIND_OPENED).toBuilder()
        .setIdempotencyKey("engine-key-1").build();
    long first = fixture.append(event, List.of("ops"));
    long again = fixture.append(event, List.of("ops"));
    long next = fixture.raise("a1", List.of("ops"));
    long ack = fixture.append(DeliveryFixture.event("a1", AlertEventKind.ALERT_EVENT_KIND_ACKNOWLEDGED), List.of("ops"));

    assertEquals(first, again);
    assertTrue(next > first && ack > next, "cursors strictly increase");
    Await.until("three delivered", () -> fixture.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED).size() == 3);
    assertEquals(
        Set.of("engine-key-1", "a1:opened:2", "a1:acknowledged:1"),
        receiver.requests().stream().map(r -> r.header("Idempotency-Key")).collect(Collectors.toSet()));
    assertNotEquals(0, first);
  }

  /** The receiver's check from docs/delivery.md, written independently of the sender. */
  static boolean verifies(String secret, WebhookReceiver.Request r) throws Exception {
    String timestamp = r.header("X-Healthscore-Timestamp");
    String signature = r.header("X-Healthscore-Signature");
    if (timestamp == null || signature == null || !signature.startsWith("v1=")) {
      return false;
    }
    if (Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp)) > 300) {
      return false;
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] expected = mac.doFinal((timestamp + "." + r.body()).getBytes(StandardCharsets.UTF_8));
    return MessageDigest.isEqual(expected, HexFormat.of().parseHex(signature.substring(3)));
  }

  private double counter(String type, String result) {
    var c = fixture.registry.find("healthscore.alert.deliveries").tag("channel_type", type).tag("result", result).counter();
    return c == null ? 0 : c.count();
  }

  private double gauge(String name) {
    var g = fixture.registry.find(name).gauge();
    return g == null ? -1 : g.value();
  }
}
