package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.v1.Delivery;
import io.healthscore.v1.DeliveryState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox and dispatcher on PostgreSQL, the production path with several replicas. */
class PostgresDeliveryTest {
  @TempDir Path dir;
  private ServiceConfig config;

  @BeforeEach
  void setUp() {
    Optional<String> url = PostgresTestSupport.jdbcUrl();
    assumeTrue(url.isPresent(), "PostgreSQL not reachable (outside CI)");
    config =
        DeliveryFixture.config(
            dir, Map.of(ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(url.get())));
  }

  @Test
  void deliversThroughRetries() throws Exception {
    try (WebhookReceiver receiver = new WebhookReceiver().failFirst(3, 503);
        DeliveryFixture fixture = DeliveryFixture.on(config).started()) {
      fixture.webhook("ops", receiver.url("/hook"), 10, 5000);
      for (int i = 1; i <= 4; i++) {
        fixture.raise("a" + i, List.of("ops"));
      }
      Await.until("delivered", () -> fixture.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED).size() == 4);
      assertEquals(7, receiver.requests().size());
      for (WebhookReceiver.Request r : receiver.requests()) {
        assertTrue(DispatcherTest.verifies("s3cret-ops", r));
      }
    }
  }

  @Test
  void twoReplicasNeverSendOneDeliveryTwice() throws Exception {
    int events = 60;
    try (WebhookReceiver receiver = new WebhookReceiver().delay(Duration.ofMillis(20));
        DeliveryFixture one = DeliveryFixture.on(config);
        DeliveryFixture two = DeliveryFixture.on(config)) {
      one.webhook("ops", receiver.url("/hook"), 10, 5000);
      for (int i = 1; i <= events; i++) {
        one.raise("a" + i, List.of("ops"));
      }
      // Both start on a full outbox, so their claims race for the same rows.
      one.started();
      two.started();
      Await.until("all delivered", () -> one.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED).size() == events);

      Map<String, Long> sendsPerKey =
          receiver.requests().stream()
              .collect(Collectors.groupingBy(r -> r.header("Idempotency-Key"), Collectors.counting()));
      assertEquals(events, sendsPerKey.size());
      assertEquals(Collections.singleton(1L), Set.copyOf(sendsPerKey.values()));
      assertEquals(0, receiver.concurrentDuplicates());
      assertTrue(one.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED).stream().allMatch(d -> d.getAttempts() == 1));
    }
  }

  @Test
  void concurrentAppendsGetContiguousIncreasingCursors() throws Exception {
    try (DeliveryFixture one = DeliveryFixture.on(config);
        DeliveryFixture two = DeliveryFixture.on(config)) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<Long>> cursors = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        DeliveryFixture replica = i % 2 == 0 ? one : two;
        String alert = "c" + i;
        cursors.add(pool.submit(() -> replica.raise(alert, List.of())));
      }
      List<Long> got = new ArrayList<>();
      for (Future<Long> f : cursors) {
        got.add(f.get());
      }
      pool.shutdown();
      Collections.sort(got);
      assertEquals(LongStream.rangeClosed(1, 80).boxed().toList(), got);
    }
  }

  @Test
  void aDeliveryLeasedByACrashedReplicaIsSentWhenTheLeaseExpires() throws Exception {
    try (WebhookReceiver receiver = new WebhookReceiver();
        DeliveryFixture fixture = DeliveryFixture.on(config)) {
      fixture.webhook("ops", receiver.url("/hook"), 10, 1000);
      long cursor = fixture.raise("a1", List.of("ops"));
      // A replica claims it and dies before sending: its lease is the 1 s timeout plus 300 ms.
      List<DeliveryStore.Claim> claimed =
          new DeliveryStore(fixture.db).claimDue(10, System.currentTimeMillis(), "crashed-replica", 300);
      assertEquals(1, claimed.size());

      fixture.started();
      Await.until("delivered", () -> fixture.delivery(cursor + "-ops").getState() == DeliveryState.DELIVERY_STATE_DELIVERED);
      Delivery d = fixture.delivery(cursor + "-ops");
      assertEquals(1, d.getAttempts(), d + " after " + receiver.requests().size() + " requests");
      assertEquals(List.of("a1:opened:1"), receiver.requests().stream().map(r -> r.header("Idempotency-Key")).toList());
    }
  }
}
