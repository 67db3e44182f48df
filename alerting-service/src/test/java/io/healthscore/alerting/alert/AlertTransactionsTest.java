package io.healthscore.alerting.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.alerting.OutboxSink;
import io.healthscore.alerting.dispatch.DeliveryModule;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.AlertEventKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events raised in a transaction reach the outbox at its end: a batch that raised an event early
 * and is still evaluating holds no lock another batch's events wait for, cursors stay in commit
 * order, and the dispatcher is woken only after a commit that appended something.
 */
class AlertTransactionsTest {
  @TempDir Path dir;
  Database db;
  DeliveryModule delivery;
  final AtomicInteger wakeUps = new AtomicInteger();
  AlertTransactions transactions;

  @BeforeEach
  void open() {
    ServiceConfig config = ServiceConfig.fromMap("alerting-service", 0, 0, Map.of(ServiceConfig.DATA_DIR, dir.toString()));
    db = Database.open(config);
    delivery = DeliveryModule.create(db, config, new SimpleMeterRegistry());
    OutboxSink outbox = new OutboxSink(delivery.outbox());
    transactions = new AlertTransactions(db, new AlertEventSink() {
      @Override
      public void append(Connection tx, List<Raised> events) throws SQLException {
        outbox.append(tx, events);
      }

      @Override
      public void wakeUp() {
        wakeUps.incrementAndGet();
      }
    });
  }

  @AfterEach
  void close() {
    delivery.close();
    db.close();
  }

  @Test
  void aBatchStillEvaluatingAfterItsFirstEventDoesNotHoldBackAnotherBatchsEvents() throws Exception {
    CountDownLatch firstRaised = new CountDownLatch(1);
    CountDownLatch secondCommitted = new CountDownLatch(1);
    CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> transactions.run(tx -> {
      tx.raise(opened("early"), List.of());
      firstRaised.countDown();
      try {
        // Still evaluating the rest of its batch; the other batch must get through meanwhile.
        return secondCommitted.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }));
    assertTrue(firstRaised.await(30, TimeUnit.SECONDS));

    transactions.run(tx -> {
      tx.raise(opened("other"), List.of());
      return null;
    });
    secondCommitted.countDown();

    assertTrue(first.get(60, TimeUnit.SECONDS), "the second batch committed while the first was still at work");
    assertEquals(List.of("other:1", "early:2"), storedEvents(), "cursors in commit order, without a gap");
    assertEquals(2, wakeUps.get());
  }

  @Test
  void eventsOfOneTransactionGetConsecutiveCursorsInTheOrderRaised() {
    transactions.run(tx -> {
      tx.raise(opened("a"), List.of());
      tx.raise(opened("b"), List.of());
      tx.raise(opened("c"), List.of());
      return null;
    });

    assertEquals(List.of("a:1", "b:2", "c:3"), storedEvents());
    assertEquals(1, wakeUps.get(), "one wake-up after the commit");
  }

  @Test
  void aTransactionThatRaisedNothingAppendsNothingAndWakesNobody() {
    transactions.run(tx -> null);

    assertEquals(List.of(), storedEvents());
    assertEquals(0, wakeUps.get());
  }

  @Test
  void aTransactionThatFailsAppendsNothing() {
    try {
      transactions.run(tx -> {
        tx.raise(opened("lost"), List.of());
        throw new IllegalStateException("evaluation failed");
      });
    } catch (IllegalStateException expected) {
      // the batch rolls back
    }

    assertEquals(List.of(), storedEvents());
    assertEquals(0, wakeUps.get());
  }

  private static AlertEvent opened(String alertId) {
    return AlertEvent.newBuilder()
        .setKind(AlertEventKind.ALERT_EVENT_KIND_OPENED)
        .setAlert(Alert.newBuilder().setAlertId(alertId).setRuleId("r").setAccountId("acct-" + alertId))
        .setIdempotencyKey(alertId + "/OPENED")
        .build();
  }

  /** "alert:cursor" of every stored event, in cursor order. */
  private List<String> storedEvents() {
    return db.read(c -> {
      List<String> events = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT alert_id, event_cursor FROM alert_events ORDER BY event_cursor");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          events.add(rs.getString(1) + ":" + rs.getLong(2));
        }
      }
      return events;
    });
  }
}
