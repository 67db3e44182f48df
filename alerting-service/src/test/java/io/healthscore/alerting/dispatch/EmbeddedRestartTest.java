package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.v1.DeliveryState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run that died mid-send leaves leases behind; on the embedded database a restart drops them. */
class EmbeddedRestartTest {
  @TempDir Path dir;

  @Test
  void deliveriesInFlightWhenTheLastRunDiedAreSentAtStart() throws Exception {
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      long cursor;
      try (DeliveryFixture crashed = DeliveryFixture.embedded(dir, Map.of())) {
        crashed.webhook("ops", receiver.url("/hook"), 5, 5000);
        cursor = crashed.raise("a1", List.of("ops"));
        // Claimed with an hour's lease and never finished, as by a process killed mid-send.
        long leased =
            new DeliveryStore(crashed.db)
                .claimDue(10, System.currentTimeMillis(), "dead-process", Duration.ofHours(1).toMillis())
                .size();
        assertEquals(1, leased);
      }
      try (DeliveryFixture restarted = DeliveryFixture.embedded(dir, Map.of()).started()) {
        Await.until("delivered", () -> restarted.delivery(cursor + "-ops").getState() == DeliveryState.DELIVERY_STATE_DELIVERED);
        assertEquals(1, receiver.requests().size());
      }
    }
  }
}
