package io.healthscore.alerting.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelStoreTest {
  @TempDir Path dir;
  private Database db;
  private ChannelStore store;

  @BeforeEach
  void setUp() {
    db = Database.open(ServiceConfig.fromMap("alerting-service", 0, 0, Map.of(ServiceConfig.DATA_DIR, dir.toString())));
    db.migrate("db/alerting-delivery", "alerting-delivery");
    store = new ChannelStore(db, new UrlGuard(List.of("127.0.0.1")));
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private static Channel webhook() {
    return Channel.newBuilder()
        .setChannelId("ops-hook")
        .setType(ChannelType.CHANNEL_TYPE_WEBHOOK)
        .setUrl("http://127.0.0.1:9/hook")
        .setSecret("k1")
        .build();
  }

  private List<String> violations(UnaryOperator<Channel.Builder> change) {
    Channel bad = change.apply(webhook().toBuilder()).build();
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> store.put(bad));
    assertTrue(store.get(bad.getChannelId()).isEmpty(), "nothing stored");
    return e.violations().stream().map(FieldViolation::field).toList();
  }

  @Test
  void storesWithDefaultsAndNeverReturnsTheSecret() {
    Channel stored = store.put(webhook());
    assertEquals("", stored.getSecret());
    assertTrue(stored.getHasSecret());
    assertEquals(30, stored.getMaxAttempts());
    assertEquals(5000, stored.getTimeoutMs());
    assertEquals("ops-hook", stored.getName());
    assertEquals(stored, store.get("ops-hook").orElseThrow());
    assertEquals(List.of(stored), store.list());
    assertEquals("k1", store.withSecret("ops-hook").orElseThrow().getSecret());
  }

  @Test
  void replacingWithoutASecretKeepsTheOldOne() {
    store.put(webhook());
    store.put(webhook().toBuilder().clearSecret().setName("renamed").build());
    assertEquals("k1", store.withSecret("ops-hook").orElseThrow().getSecret());
    assertEquals("renamed", store.get("ops-hook").orElseThrow().getName());
    store.put(webhook().toBuilder().setSecret("k2").build());
    assertEquals("k2", store.withSecret("ops-hook").orElseThrow().getSecret());
  }

  @Test
  void aNewUrlNeedsTheSecretAgainOrAnExplicitKeep() {
    store.put(webhook());
    Channel moved = webhook().toBuilder().clearSecret().setUrl("http://127.0.0.1:10/elsewhere").build();

    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> store.put(moved));
    assertEquals(List.of("channel.secret"), e.violations().stream().map(FieldViolation::field).toList());
    assertEquals("http://127.0.0.1:9/hook", store.get("ops-hook").orElseThrow().getUrl(), "nothing stored");

    store.put(moved, true);
    assertEquals("k1", store.withSecret("ops-hook").orElseThrow().getSecret());
    assertEquals("http://127.0.0.1:10/elsewhere", store.get("ops-hook").orElseThrow().getUrl());
    store.put(webhook().toBuilder().setSecret("k3").setUrl("http://127.0.0.1:11/third").build());
    assertEquals("k3", store.withSecret("ops-hook").orElseThrow().getSecret());
  }

  @Test
  void listsByIdAndStoresEveryType() {
    store.put(Channel.newBuilder().setChannelId("z-log").setType(ChannelType.CHANNEL_TYPE_LOG).build());
    store.put(Channel.newBuilder().setChannelId("a-stream").setType(ChannelType.CHANNEL_TYPE_GRPC_STREAM).build());
    store.put(Channel.newBuilder().setChannelId("m-slack").setType(ChannelType.CHANNEL_TYPE_SLACK)
        .setUrl("https://127.0.0.1/services/T/B/X").build());
    assertEquals(
        List.of("a-stream", "m-slack", "z-log"),
        store.list().stream().map(Channel::getChannelId).toList());
    assertFalse(store.get("z-log").orElseThrow().getHasSecret());
  }

  @Test
  void idMustBeShortLowercaseWords() {
    assertEquals(List.of("channel.channel_id"), violations(c -> c.setChannelId("")));
    assertEquals(List.of("channel.channel_id"), violations(c -> c.setChannelId("Ops")));
    assertEquals(List.of("channel.channel_id"), violations(c -> c.setChannelId("ops hook")));
    assertEquals(List.of("channel.channel_id"), violations(c -> c.setChannelId("x".repeat(65))));
    store.put(webhook().toBuilder().setChannelId("x".repeat(64)).build());
  }

  @Test
  void typeIsRequired() {
    assertEquals(List.of("channel.type"), violations(c -> c.clearType()));
    assertEquals(List.of("channel.type"), violations(c -> c.setTypeValue(99)));
  }

  @Test
  void webhookAndSlackNeedAnHttpUrlThatTheGuardAllows() {
    assertEquals(List.of("channel.url"), violations(c -> c.clearUrl()));
    assertEquals(List.of("channel.url"), violations(c -> c.setType(ChannelType.CHANNEL_TYPE_SLACK).clearSecret().clearUrl()));
    assertEquals(List.of("channel.url"), violations(c -> c.setUrl("ftp://127.0.0.1/x")));
    assertEquals(List.of("channel.url"), violations(c -> c.setUrl("not a url")));
    assertEquals(List.of("channel.url"), violations(c -> c.setUrl("http://192.168.1.10/hook")));
    assertEquals(List.of("channel.url"), violations(c -> c.setUrl("http://127.0.0.2/hook")));
    assertEquals(List.of("channel.url"), violations(c -> c.setUrl("http://127.0.0.1/" + "x".repeat(2048))));
  }

  @Test
  void logAndStreamChannelsTakeNoUrlOrSecret() {
    assertEquals(List.of("channel.url", "channel.secret"), violations(c -> c.setType(ChannelType.CHANNEL_TYPE_LOG)));
    assertEquals(List.of("channel.secret"), violations(c -> c.setType(ChannelType.CHANNEL_TYPE_SLACK)));
  }

  @Test
  void attemptsAndTimeoutHaveBounds() {
    assertEquals(List.of("channel.max_attempts"), violations(c -> c.setMaxAttempts(101)));
    assertEquals(List.of("channel.max_attempts"), violations(c -> c.setMaxAttempts(-1)));
    assertEquals(List.of("channel.timeout_ms"), violations(c -> c.setTimeoutMs(99)));
    assertEquals(List.of("channel.timeout_ms"), violations(c -> c.setTimeoutMs(60_001)));
    Channel edge = store.put(webhook().toBuilder().setMaxAttempts(100).setTimeoutMs(100).build());
    assertEquals(100, edge.getMaxAttempts());
    assertEquals(100, edge.getTimeoutMs());
    assertEquals(1, store.put(webhook().toBuilder().setMaxAttempts(1).setTimeoutMs(60_000).build()).getMaxAttempts());
  }

  @Test
  void nameAndSecretHaveMaximumLengths() {
    assertEquals(List.of("channel.name"), violations(c -> c.setName("n".repeat(201))));
    assertEquals(List.of("channel.secret"), violations(c -> c.setSecret("s".repeat(1025))));
  }

  @Test
  void reportsEveryBadFieldAtOnce() {
    assertEquals(
        List.of("channel.channel_id", "channel.url", "channel.max_attempts", "channel.timeout_ms"),
        violations(c -> c.setChannelId("BAD").setUrl("").setMaxAttempts(500).setTimeoutMs(1)));
  }

  @Test
  void aSlackUrlIsShownMaskedAndSendingTheMaskBackKeepsIt() {
    String url = "http://127.0.0.1:9/services/T000/B000/slack-path-credential";
    Channel slack = Channel.newBuilder().setChannelId("cs-slack").setType(ChannelType.CHANNEL_TYPE_SLACK).setUrl(url).build();
    Channel shown = store.put(slack);
    assertEquals("http://127.0.0.1:9/***", shown.getUrl());
    assertEquals(shown, store.get("cs-slack").orElseThrow());
    assertEquals(List.of(shown), store.list());

    store.put(shown.toBuilder().setName("renamed").build());
    assertEquals(url, store.withSecret("cs-slack").orElseThrow().getUrl(), "the masked URL sent back keeps the stored one");
    assertEquals("renamed", store.get("cs-slack").orElseThrow().getName());

    String moved = "http://127.0.0.1:9/services/T000/B000/another-credential";
    store.put(slack.toBuilder().setUrl(moved).build());
    assertEquals(moved, store.withSecret("cs-slack").orElseThrow().getUrl(), "a real new URL replaces it");
  }

  @Test
  void aWebhookUrlIsShownWithoutItsQuery() {
    Channel stored = store.put(webhook().toBuilder().setUrl("http://127.0.0.1:9/hook?token=receiver-token").build());
    assertEquals("http://127.0.0.1:9/hook?***", stored.getUrl());
    store.put(stored.toBuilder().setName("renamed").build());
    Channel inside = store.withSecret("ops-hook").orElseThrow();
    assertEquals("http://127.0.0.1:9/hook?token=receiver-token", inside.getUrl());
    assertEquals("k1", inside.getSecret(), "the same URL, so the secret stays");
    assertEquals("http://127.0.0.1:9/hook", store.put(webhook()).getUrl(), "no query, nothing masked");
  }
}
