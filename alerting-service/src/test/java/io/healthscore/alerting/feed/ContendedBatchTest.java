package io.healthscore.alerting.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.healthscore.v1.AccountChange;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch that meets another batch's locks is applied again at once, whole, before it fails. */
class ContendedBatchTest {
  final List<List<AccountChange>> attempts = new ArrayList<>();

  IsolatingFeed<AccountChange> feed(int contendedAttempts) {
    IsolatingFeed.Applier<AccountChange> applier = (changes, retry, done) -> {
      attempts.add(List.copyOf(changes));
      if (attempts.size() <= contendedAttempts) {
        throw new IllegalStateException("cannot append alert event",
            new SQLException("Timeout trying to lock table \"ALERT_EVENT_COUNTER\"", "HYT00"));
      }
    };
    // No database, cursors or lease: the applier above stands for the transaction and parks nothing.
    return new IsolatingFeed<>("test", null, null, null, applier,
        new IsolatingFeed.Codec<>(AccountChange::getCursor, AccountChange::getAccountId, AccountChange.parser()),
        Clock.systemUTC(), new SimpleMeterRegistry(), null);
  }

  static List<AccountChange> batch() {
    return List.of(
        AccountChange.newBuilder().setCursor(1).setAccountId("a").build(),
        AccountChange.newBuilder().setCursor(2).setAccountId("b").build());
  }

  @Test
  void contentionThatEndsSoonCostsARetryOfTheWholeBatchNotAFailure() {
    feed(IsolatingFeed.CONTENTION_RETRIES).handle(batch());

    assertEquals(IsolatingFeed.CONTENTION_RETRIES + 1, attempts.size());
    attempts.forEach(a -> assertEquals(batch(), a, "tried whole each time, never split"));
  }

  @Test
  void contentionThatLastsFailsTheBatchForTheFollowerToRetryFromItsCursor() {
    IsolatingFeed<AccountChange> feed = feed(Integer.MAX_VALUE);

    assertThrows(IllegalStateException.class, () -> feed.handle(batch()));
    assertEquals(IsolatingFeed.CONTENTION_RETRIES + 1, attempts.size(), "then no split and no change set aside");
  }
}
