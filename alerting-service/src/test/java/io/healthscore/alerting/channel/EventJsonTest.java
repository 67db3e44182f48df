package io.healthscore.alerting.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.AlertState;
import org.junit.jupiter.api.Test;

class EventJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode body(Alert alert, AlertEventKind kind) throws Exception {
    return JSON.readTree(EventJson.of(AlertEvent.newBuilder().setKind(kind).setAlert(alert).build()));
  }

  @Test
  void whoAcknowledgedAndWhoResolvedAreNamedOrNull() throws Exception {
    Alert open = Alert.newBuilder().setAlertId("a1").setState(AlertState.ALERT_STATE_OPEN).build();
    JsonNode opened = body(open, AlertEventKind.ALERT_EVENT_KIND_OPENED);
    assertTrue(opened.get("acknowledged_by").isNull());
    assertTrue(opened.get("resolved_by").isNull());

    Alert resolved = open.toBuilder().setState(AlertState.ALERT_STATE_RESOLVED)
        .setAcknowledgedBy("ana").setResolvedBy("system").build();
    JsonNode body = body(resolved, AlertEventKind.ALERT_EVENT_KIND_RESOLVED);
    assertEquals("resolved", body.get("kind").asText());
    assertEquals("ana", body.get("acknowledged_by").asText());
    assertEquals("system", body.get("resolved_by").asText());
  }
}
