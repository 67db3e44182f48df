package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.v1.Delivery;
import io.healthscore.v1.DeliveryState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retry schedule the dispatcher writes, on a clock the test moves. */
class BackoffScheduleTest {
  @TempDir Path dir;

  /** A clock that stands still until told to move. */
  static final class ManualClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void set(long millis) {
      now = Instant.ofEpochMilli(millis);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private static Dispatcher dispatcher(DeliveryFixture fixture, DeliveryStore store, Clock clock) {
    return fixture.manualDispatcher(store, clock, new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10), () -> 0.5),
        new DeliverySettings(Duration.ofSeconds(1), Duration.ofMinutes(10), 1, Duration.ofSeconds(1), Duration.ofSeconds(30)));
  }

  @Test
  void eachFailureWaitsLongerUntilTheLastAttemptDeadLetters() throws Exception {
    ManualClock clock = new ManualClock();
    try (WebhookReceiver receiver = new WebhookReceiver().failFirst(100, 503);
        DeliveryFixture fixture = DeliveryFixture.embedded(dir, Map.of())) {
      fixture.webhook("ops", receiver.url("/hook"), 5, 5000);
      DeliveryStore store = new DeliveryStore(fixture.db);
      Dispatcher dispatcher = dispatcher(fixture, store, clock);
      // Appended "now" by the real clock; move the test clock past it.
      long cursor = fixture.raise("a1", List.of("ops"));
      String id = cursor + "-ops";
      clock.set(System.currentTimeMillis() + 1000);

      List<Long> waits = new ArrayList<>();
      for (int attempt = 1; attempt <= 4; attempt++) {
        long now = clock.millis();
        assertEquals(1, dispatcher.dispatchDue());
        Delivery d = store.get(id).orElseThrow();
        assertEquals(DeliveryState.DELIVERY_STATE_PENDING, d.getState());
        assertEquals(attempt, d.getAttempts());
        long next = Timestamps.toMillis(d.getNextAttemptTime());
        waits.add(next - now);
        clock.set(next - 1);
        assertEquals(0, dispatcher.dispatchDue(), "not due before its time");
        clock.set(next);
      }
      // Half (the jitter drawn) of 1 s, 2 s, 4 s, 8 s.
      assertEquals(List.of(500L, 1000L, 2000L, 4000L), waits);

      assertEquals(1, dispatcher.dispatchDue());
      Delivery dead = store.get(id).orElseThrow();
      assertEquals(DeliveryState.DELIVERY_STATE_DEAD, dead.getState());
      assertEquals(5, dead.getAttempts());
      assertEquals(5, receiver.requests().size());
    }
  }

  @Test
  void theOutcomesOfOneClaimAreRecordedEachAsItWent() throws Exception {
    ManualClock clock = new ManualClock();
    try (WebhookReceiver up = new WebhookReceiver();
        WebhookReceiver down = new WebhookReceiver().failFirst(100, 503);
        WebhookReceiver gone = new WebhookReceiver().failFirst(100, 404);
        DeliveryFixture fixture = DeliveryFixture.embedded(dir, Map.of())) {
      fixture.webhook("up", up.url("/hook"), 5, 5000);
      fixture.webhook("down", down.url("/hook"), 5, 5000);
      fixture.webhook("gone", gone.url("/hook"), 5, 5000);
      DeliveryStore store = new DeliveryStore(fixture.db);
      long cursor = fixture.raise("a1", List.of("up", "down", "gone"));
      clock.set(System.currentTimeMillis() + 1000);

      assertEquals(3, dispatcher(fixture, store, clock).dispatchDue(), "one claim takes all three");

      Delivery delivered = store.get(cursor + "-up").orElseThrow();
      assertEquals(DeliveryState.DELIVERY_STATE_DELIVERED, delivered.getState());
      assertEquals(1, delivered.getAttempts());
      Delivery retrying = store.get(cursor + "-down").orElseThrow();
      assertEquals(DeliveryState.DELIVERY_STATE_PENDING, retrying.getState());
      assertEquals(1, retrying.getAttempts());
      assertEquals(clock.millis() + 500, Timestamps.toMillis(retrying.getNextAttemptTime()));
      Delivery dead = store.get(cursor + "-gone").orElseThrow();
      assertEquals(DeliveryState.DELIVERY_STATE_DEAD, dead.getState());
      assertEquals(1, dead.getAttempts());
      assertEquals(List.of(1, 1, 1), List.of(up.requests().size(), down.requests().size(), gone.requests().size()));
    }
  }

  /** The wait written after one failed attempt whose answer carried {@code retryAfter}. */
  private long firstWait(int status, String retryAfter) throws Exception {
    ManualClock clock = new ManualClock();
    try (WebhookReceiver receiver = new WebhookReceiver().failFirst(100, status).retryAfter(retryAfter);
        DeliveryFixture fixture = DeliveryFixture.embedded(dir.resolve(status + "-" + retryAfter.length()), Map.of())) {
      fixture.webhook("ops", receiver.url("/hook"), 5, 5000);
      DeliveryStore store = new DeliveryStore(fixture.db);
      long cursor = fixture.raise("a1", List.of("ops"));
      clock.set(System.currentTimeMillis() + 1000);
      long now = clock.millis();
      assertEquals(1, dispatcher(fixture, store, clock).dispatchDue());
      return Timestamps.toMillis(store.get(cursor + "-ops").orElseThrow().getNextAttemptTime()) - now;
    }
  }

  @Test
  void aRetryAfterInSecondsOnTooManyRequestsOrUnavailableIsHonoured() throws Exception {
    assertEquals(120_000L, firstWait(429, "120"), "429 asked for two minutes");
    assertEquals(30_000L, firstWait(503, " 30 "), "503 asked for 30 s");
    assertEquals(600_000L, firstWait(503, "86400"), "a day is cut to the 10 minute cap");
    assertEquals(500L, firstWait(503, "Wed, 21 Oct 2026 07:28:00 GMT"), "the date form is ignored: half of 1 s");
    assertEquals(500L, firstWait(500, "120"), "only 429 and 503 carry a wait we read");
  }
}
