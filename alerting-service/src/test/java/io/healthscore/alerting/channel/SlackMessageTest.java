package io.healthscore.alerting.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.Severity;
import org.junit.jupiter.api.Test;

class SlackMessageTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String text(Alert alert) throws Exception {
    AlertEvent event = AlertEvent.newBuilder().setKind(AlertEventKind.ALERT_EVENT_KIND_OPENED).setAlert(alert).build();
    return JSON.readTree(SlackMessage.of(event)).get("text").asText();
  }

  @Test
  void anAccountAlertNamesItsAccount() throws Exception {
    Alert alert = Alert.newBuilder().setAccountId("acct-7").setSeverity(Severity.SEVERITY_WARNING).setReason("score fell").build();
    assertEquals(":large_orange_circle: WARNING alert opened for account acct-7: score fell", text(alert));
  }

  @Test
  void aModelAlertHasNoEmptyAccountInItsHeadline() throws Exception {
    Alert alert = Alert.newBuilder().setSeverity(Severity.SEVERITY_WARNING).setReason("model is 200 days old").build();
    String text = text(alert);
    assertFalse(text.contains("for account"), text);
    assertEquals(":large_orange_circle: WARNING alert opened for the active churn model: model is 200 days old", text);
  }
}
