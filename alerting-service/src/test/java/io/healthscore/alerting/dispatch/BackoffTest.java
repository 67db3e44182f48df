package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
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
  void theDelayIsAUniformShareOfTheCeiling() {
    assertEquals(Duration.ZERO, new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10), () -> 0.0).delay(3));
    assertEquals(Duration.ofMillis(2000), new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10), () -> 0.25).delay(3));
    assertEquals(Duration.ofMillis(7992), new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10), () -> 0.999).delay(3));
  }
}
