package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.config.ServiceConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void theCeilingDoublesUpToTheCap() {
    Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10), () -> 0.5);
    assertEquals(Duration.ofSeconds(1), backoff.ceiling(0));
    assertEquals(Duration.ofSeconds(2), backoff.ceiling(1));
    assertEquals(Duration.ofSeconds(4), backoff.ceiling(2));
    assertEquals(Duration.ofSeconds(512), backoff.ceiling(9));
    assertEquals(Duration.ofMinutes(10), backoff.ceiling(10));
    assertEquals(Duration.ofMinutes(10), backoff.ceiling(63));
    assertEquals(Duration.ofMinutes(10), backoff.ceiling(Integer.MAX_VALUE));
  }

  @Test
  void aRetryAfterIsAFloorUnderTheDrawnWaitUpToTheCap() {
    Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10), () -> 0.5);
    assertEquals(Duration.ofSeconds(4), backoff.delay(3, Optional.empty()), "half of the 8 s ceiling");
    assertEquals(Duration.ofSeconds(30), backoff.delay(3, Optional.of(Duration.ofSeconds(30))), "never sooner than asked");
    assertEquals(Duration.ofSeconds(4), backoff.delay(3, Optional.of(Duration.ofSeconds(1))), "a shorter ask does not hurry us");
    assertEquals(Duration.ofMinutes(10), backoff.delay(3, Optional.of(Duration.ofHours(2))), "never later than the cap");
  }

  @Test
  void theDefaultsOutlastAnHourLongOutage() {
    DeliverySettings defaults = DeliverySettings.from(ServiceConfig.fromMap("alerting-service", 0, 0, Map.of()));
    assertEquals(Duration.ofSeconds(5), defaults.backoffBase());
    assertEquals(Duration.ofMinutes(10), defaults.backoffCap());
    Backoff backoff = new Backoff(defaults.backoffBase(), defaults.backoffCap(), () -> 0.5);
    // 30 attempts wait 29 times: 5 s, 10 s, ... 320 s, then 22 times the 600 s cap.
    long ceilings = 0;
    for (int failures = 0; failures < 29; failures++) {
      ceilings += backoff.ceiling(failures).toSeconds();
    }
    assertEquals(13_835, ceilings, "the longest window, 3 h 50 min");
    assertTrue(ceilings / 2 > 3600, "the mean window, half of it, is well over an hour");
  }

  @Test
  void theDelayIsAUniformShareOfTheCeiling() {
    assertEquals(Duration.ZERO, new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10), () -> 0.0).delay(3));
    assertEquals(Duration.ofMillis(2000), new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10), () -> 0.25).delay(3));
    assertEquals(Duration.ofMillis(7992), new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10), () -> 0.999).delay(3));
  }
}
