package io.healthscore.alerting.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.Severity;

/**
 * A Slack incoming-webhook message: {@code text} for notifications and clients without blocks, and
 * {@code blocks} with a header line, the reason and a context line. No links: the message must be
 * readable where our UI is not reachable.
 */
public final class SlackMessage {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SlackMessage() {}

  /** The JSON body to POST. */
  public static String of(AlertEvent event) {
    Alert alert = event.getAlert();
    String severity = EventJson.shortName(alert.getSeverity().name(), "SEVERITY_").toUpperCase(java.util.Locale.ROOT);
    String kind = EventJson.shortName(event.getKind().name(), "ALERT_EVENT_KIND_");
    String headline =
        icon(alert.getSeverity()) + " " + severity + " alert " + kind + subject(alert);
    String reason = alert.getReason().isEmpty() ? "(no reason given)" : escape(alert.getReason());

    ObjectNode body = MAPPER.createObjectNode();
    body.put("text", headline + ": " + reason);
    ArrayNode blocks = body.putArray("blocks");
    blocks.add(section("*" + headline + "*\n" + reason));
    ObjectNode context = MAPPER.createObjectNode().put("type", "context");
    context
        .putArray("elements")
        .add(
            mrkdwn(
                "rule `" + escape(alert.getRuleId()) + "` · alert `" + escape(alert.getAlertId())
                    + "` · state " + EventJson.shortName(alert.getState().name(), "ALERT_STATE_")
                    + (alert.getAssignee().isEmpty() ? "" : " · owner " + escape(alert.getAssignee()))));
    blocks.add(context);
    return body.toString();
  }

  /** Model alerts (recalibration_due) watch a model, not an account, and have no account id. */
  private static String subject(Alert alert) {
    return alert.getAccountId().isEmpty() ? " for the active churn model" : " for account " + escape(alert.getAccountId());
  }

  private static ObjectNode section(String text) {
    ObjectNode section = MAPPER.createObjectNode().put("type", "section");
    section.set("text", mrkdwn(text));
    return section;
  }

  private static ObjectNode mrkdwn(String text) {
    return MAPPER.createObjectNode().put("type", "mrkdwn").put("text", text);
  }

  private static String icon(Severity severity) {
    return switch (severity) {
      case SEVERITY_CRITICAL -> ":red_circle:";
      case SEVERITY_WARNING -> ":large_orange_circle:";
      default -> ":large_blue_circle:";
    };
  }

  /** Slack reads &, < and > as markup; escaped, names like "<!channel>" cannot ping anyone. */
  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
