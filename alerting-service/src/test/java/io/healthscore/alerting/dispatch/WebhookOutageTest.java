package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.healthscore.alerting.dispatch.BackoffScheduleTest.ManualClock;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.v1.Delivery;
import io.healthscore.v1.DeliveryState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A webhook receiver down for ten minutes, on a clock the test moves, with the default backoff
 * and attempts: nothing is dead-lettered, and everything arrives once the receiver is back.
 */
class WebhookOutageTest {
  private static final int ALERTS = 50;
  private static final Duration OUTAGE = Duration.ofMinutes(10);

  @TempDir Path dir;

  @Test
  void tenMinutesDownThenEverythingArrivesAndNothingIsDeadLettered() throws Exception {
    ManualClock clock = new ManualClock();
    try (WebhookReceiver receiver = new WebhookReceiver().failFirst(Integer.MAX_VALUE, 503);
        DeliveryFixture fixture = DeliveryFixture.embedded(dir, Map.of())) {
      fixture.webhook("ops", receiver.url("/hook"), 0, 5000);
      DeliveryStore store = new DeliveryStore(fixture.db);
      Dispatcher dispatcher = defaultDispatcher(fixture, store, clock);
      for (int i = 0; i < ALERTS; i++) {
        fixture.raise("a" + i, List.of("ops"));
      }
      long start = System.currentTimeMillis() + 1000;
      clock.set(start);
      boolean up = false;
      for (int step = 0; step < 10_000 && fixture.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED).size() < ALERTS; step++) {
        if (!up && clock.millis() - start >= OUTAGE.toMillis()) {
          receiver.failFirst(0, 503);
          up = true;
        }
        dispatcher.dispatchDue();
        long next = store.nextDueMs().orElse(clock.millis() + 1000);
        clock.set(Math.max(clock.millis() + 1, up ? next : Math.min(next, start + OUTAGE.toMillis())));
      }
      assertTrue(up, "the outage never ended in simulated time");
      assertEquals(0, fixture.deliveries(DeliveryState.DELIVERY_STATE_DEAD).size(), "dead-lettered during a ten-minute outage");
      assertEquals(ALERTS, fixture.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED).size());
      assertEquals(ALERTS, receiver.acceptedKeys().size());
      long failedSends = receiver.requests().size() - ALERTS;
      assertTrue(failedSends >= ALERTS, "each delivery should have been tried during the outage");
      System.out.printf("%d deliveries, %d failed sends over %s of outage%n", ALERTS, failedSends, OUTAGE);
    }
  }

  @Test
  void aReceiverThatNeverComesBackIsDeadLetteredOnlyAfterTheDefaultAttempts() throws Exception {
    ManualClock clock = new ManualClock();
    try (WebhookReceiver receiver = new WebhookReceiver().failFirst(Integer.MAX_VALUE, 503);
        DeliveryFixture fixture = DeliveryFixture.embedded(dir, Map.of())) {
      fixture.webhook("ops", receiver.url("/hook"), 0, 5000);
      DeliveryStore store = new DeliveryStore(fixture.db);
      Dispatcher dispatcher = defaultDispatcher(fixture, store, clock);
      long cursor = fixture.raise("a1", List.of("ops"));
      String id = cursor + "-ops";
      clock.set(System.currentTimeMillis() + 1000);
      for (int attempt = 1; attempt < 30; attempt++) {
        dispatcher.dispatchDue();
        Delivery d = store.get(id).orElseThrow();
        assertEquals(DeliveryState.DELIVERY_STATE_PENDING, d.getState(), "dead after only " + attempt + " attempts");
        clock.set(Timestamps.toMillis(d.getNextAttemptTime()));
      }
      dispatcher.dispatchDue();
      Delivery dead = store.get(id).orElseThrow();
      assertEquals(DeliveryState.DELIVERY_STATE_DEAD, dead.getState());
      assertEquals(30, dead.getAttempts());
      assertEquals(30, receiver.requests().size());
    }
  }

  /** The dispatcher as the service builds it by default, with a seeded jitter. */
  private static Dispatcher defaultDispatcher(DeliveryFixture fixture, DeliveryStore store, ManualClock clock) {
    DeliverySettings defaults =
        new DeliverySettings(DeliverySettings.DEFAULT_BACKOFF_BASE, DeliverySettings.DEFAULT_BACKOFF_CAP, 1,
            Duration.ofSeconds(1), Duration.ofSeconds(30));
    Random jitter = new Random(7);
    return fixture.manualDispatcher(store, clock,
        new Backoff(defaults.backoffBase(), defaults.backoffCap(), jitter::nextDouble), defaults);
  }
}
