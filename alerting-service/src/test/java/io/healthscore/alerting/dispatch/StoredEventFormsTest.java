package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.util.JsonFormat;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.AlertEventKind;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events are stored as protobuf bytes; rows written before that hold only their JSON and are still
 * replayed, found by their idempotency key and delivered, on both databases.
 */
class StoredEventFormsTest {
  @TempDir Path dir;

  @Test
  void embeddedRowsWrittenAsJsonAreStillReadAndSent() throws Exception {
    try (DeliveryFixture f = DeliveryFixture.embedded(dir, Map.of())) {
      rowsWrittenAsJsonAreStillReadAndSent(f);
    }
  }

  @Test
  void postgresRowsWrittenAsJsonAreStillReadAndSent() throws Exception {
    Optional<String> url = PostgresTestSupport.jdbcUrl();
    assumeTrue(url.isPresent(), "PostgreSQL not reachable (outside CI)");
    ServiceConfig config =
        DeliveryFixture.config(dir, Map.of(ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(url.get())));
    try (DeliveryFixture f = DeliveryFixture.on(config)) {
      rowsWrittenAsJsonAreStillReadAndSent(f);
    }
  }

  private static void rowsWrittenAsJsonAreStillReadAndSent(DeliveryFixture f) throws Exception {
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      f.webhook("ops", receiver.url("/hook"), 5, 5000);
      AlertEventLog log = new AlertEventLog(f.db);
      long oldCursor = f.raise("old-1", List.of("ops"));
      AlertEvent old = log.after(0, 10).get(0);
      assertNull(jsonOf(f, oldCursor), "a new row holds bytes only");

      // The row as it was written before migration V4: JSON, no bytes.
      String json = JsonFormat.printer().omittingInsignificantWhitespace().print(old);
      f.db.inTransaction(tx -> {
        try (PreparedStatement s = tx.prepareStatement(
            "UPDATE alert_events SET event_body = NULL, event_json = ? WHERE event_cursor = ?")) {
          s.setString(1, json);
          s.setLong(2, oldCursor);
          return s.executeUpdate();
        }
      });
      long newCursor = f.raise("new-1", List.of("ops"));
      assertNotNull(jsonOf(f, oldCursor));

      List<AlertEvent> replayed = log.after(0, 10);
      assertEquals(List.of(oldCursor, newCursor), replayed.stream().map(AlertEvent::getCursor).toList());
      assertEquals(old, replayed.get(0));
      assertEquals("new-1", replayed.get(1).getAlert().getAlertId());

      AlertEvent again = DeliveryFixture.event("old-1", AlertEventKind.ALERT_EVENT_KIND_OPENED).toBuilder()
          .setIdempotencyKey(old.getIdempotencyKey()).build();
      List<AlertEventLog.Appended> appended = f.db.inTransaction(tx -> log.append(tx, List.of(again), 0));
      assertFalse(appended.get(0).isNew(), "the key of the JSON row is found");
      assertEquals(old, appended.get(0).event());

      f.started();
      Await.until("both sent", () -> receiver.acceptedKeys().size() == 2);
      assertTrue(receiver.acceptedKeys().contains(old.getIdempotencyKey()), receiver.acceptedKeys().toString());
      assertTrue(receiver.requests().stream().anyMatch(r -> r.body().contains("old-1")));
    }
  }

  private static String jsonOf(DeliveryFixture f, long cursor) {
    return f.db.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT event_json FROM alert_events WHERE event_cursor = ?")) {
        s.setLong(1, cursor);
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          return rs.getString(1);
        }
      }
    });
  }
}
