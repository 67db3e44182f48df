package io.healthscore.runtime.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.grpc.Status;
import io.healthscore.runtime.testing.LogCapture;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FailureLogTest {
  private static final String LOGGER = "failure-log-test";

  @Test
  void logsWhenFailingStartsWhenItsKindChangesAndWhenItRecovers() {
    FailureLog failures = new FailureLog(LoggerFactory.getLogger(LOGGER), "nightly sweep");
    try (LogCapture log = LogCapture.of(LOGGER, Level.DEBUG)) {
      for (int i = 0; i < 50; i++) {
        failures.attempt(() -> {
          throw new IllegalStateException("database down", new SQLException("connection refused"));
        });
      }
      assertEquals(1, log.events().size(), () -> "fifty failures, one line: " + log.messages());
      assertEquals(Level.WARN, log.events().get(0).getLevel());
      assertEquals(
          "nightly sweep failing: IllegalStateException: database down; caused by SQLException: connection refused;"
              + " retrying, the next line says when it recovers",
          log.messages().get(0));
      assertNotNull(log.events().get(0).getThrowableProxy(), "the first failure carries its stack trace");

      failures.failed(new UncheckedIOException(new java.io.IOException("disk full")));
      failures.failed(new UncheckedIOException(new java.io.IOException("disk full")));
      assertEquals(2, log.events().size());
      assertTrue(log.messages().get(1).startsWith("nightly sweep still failing, now: UncheckedIOException"), log.messages().get(1));

      failures.attempt(() -> {});
      failures.attempt(() -> {});
      assertEquals(3, log.events().size(), log.messages()::toString);
      assertEquals(Level.INFO, log.events().get(2).getLevel());
      assertTrue(log.messages().get(2).startsWith("nightly sweep recovered after 52 failed attempt(s)"), log.messages().get(2));
    }
  }

  @Test
  void aStatusIsLoggedWithoutAStackTrace() {
    FailureLog failures = new FailureLog(LoggerFactory.getLogger(LOGGER), "feed");
    try (LogCapture log = LogCapture.of(LOGGER, Level.DEBUG)) {
      for (int i = 0; i < 10; i++) {
        failures.failed(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException());
      }
      failures.failed(Status.UNAUTHENTICATED.withDescription("no token"));
      assertEquals(2, log.events().size(), log.messages()::toString);
      assertEquals("feed failing: UNAVAILABLE: io exception; retrying, the next line says when it recovers", log.messages().get(0));
      assertEquals("feed still failing, now: UNAUTHENTICATED: no token", log.messages().get(1));
      assertNull(log.events().get(0).getThrowableProxy());
      assertTrue(failures.failing());
    }
  }

  @Test
  void reportsSinceWhenItFailsOnceEnoughAttemptsInARowFailed() {
    FailureLog failures = new FailureLog(LoggerFactory.getLogger(LOGGER), "feed");
    try (LogCapture log = LogCapture.of(LOGGER, Level.DEBUG)) {
      Instant before = Instant.now();
      failures.failed(Status.UNAVAILABLE);
      assertTrue(failures.failingSince(2).isEmpty(), "one failure is below the threshold");
      failures.failed(Status.UNAUTHENTICATED);
      Instant since = failures.failingSince(2).orElseThrow();
      assertTrue(!since.isBefore(before) && !since.isAfter(Instant.now()), since::toString);
      failures.failed(Status.UNAVAILABLE);
      assertEquals(since, failures.failingSince(2).orElseThrow(), "the run keeps its first moment");

      failures.succeeded();
      assertTrue(failures.failingSince(1).isEmpty());
      failures.failed(Status.UNAVAILABLE);
      assertTrue(failures.failingSince(2).isEmpty(), "a success starts the count again");
    }
  }
}
