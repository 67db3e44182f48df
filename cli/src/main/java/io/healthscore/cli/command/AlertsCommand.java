package io.healthscore.cli.command;

import com.google.protobuf.util.Timestamps;
import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.output.Json;
import io.healthscore.cli.output.Table;
import io.healthscore.v1.AcknowledgeAlertRequest;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertState;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ListAlertsResponse;
import io.healthscore.v1.ResolveAlertRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code alerts list|ack|resolve}. */
@Command(name = "alerts", mixinStandardHelpOptions = true, description = "Alerts raised by the rules.",
    subcommands = {AlertsCommand.ListAlerts.class, AlertsCommand.Ack.class, AlertsCommand.Resolve.class})
public final class AlertsCommand {
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Open and acknowledged alerts (--all for resolved ones too).")
  static final class ListAlerts extends CliCommand {
    @Option(names = "--account", description = "only this account's")
    String account;

    @Option(names = "--rule", description = "only this rule's")
    String rule;

    @Option(names = "--all", description = "resolved alerts too")
    boolean all;

    @Option(names = "--limit", defaultValue = "50", description = "at most this many (default ${DEFAULT-VALUE})")
    int limit;

    @Override
    public Integer call() {
      ListAlertsRequest.Builder q = ListAlertsRequest.newBuilder();
      if (!all) {
        q.addStates(AlertState.ALERT_STATE_OPEN).addStates(AlertState.ALERT_STATE_ACKNOWLEDGED);
      }
      if (account != null) {
        q.setAccountId(account);
      }
      if (rule != null) {
        q.setRuleId(rule);
      }
      List<Alert> alerts = new ArrayList<>();
      String token = "";
      do {
        ListAlertsResponse page = services().alerting().listAlerts(q.setPageSize(Math.min(500, limit)).setPageToken(token).build());
        for (Alert a : page.getAlertsList()) {
          if (alerts.size() < limit) {
            alerts.add(a);
          }
        }
        token = page.getNextPageToken();
      } while (!token.isEmpty() && alerts.size() < limit);
      if (json()) {
        Json.printArray(out(), alerts);
        return ExitCodes.OK;
      }
      Table t = new Table("alert", "state", "severity", "account", "rule", "opened", "reason");
      for (Alert a : alerts) {
        t.row(a.getAlertId(), state(a.getState()), a.getSeverity().name().replace("SEVERITY_", "").toLowerCase(Locale.ROOT),
            a.getAccountId(), a.getRuleId(), Timestamps.toString(a.getOpenedAt()), a.getReason());
      }
      t.print(out());
      out().println(alerts.size() + " alerts");
      return ExitCodes.OK;
    }
  }

  abstract static class Transition extends CliCommand {
    @Parameters(index = "0", paramLabel = "ALERT")
    String alertId;

    @Option(names = "--note", defaultValue = "", description = "why, kept with the alert")
    String note;

    @Option(names = "--actor", defaultValue = "${sys:user.name}", description = "who (default: the user name)")
    String actor;

    void print(Alert a) {
      if (json()) {
        Json.print(out(), a);
      } else {
        out().println(a.getAlertId() + ": " + state(a.getState()));
      }
    }
  }

  @Command(name = "ack", mixinStandardHelpOptions = true, description = "Acknowledge an alert.")
  static final class Ack extends Transition {
    @Override
    public Integer call() {
      print(services().alerting().acknowledgeAlert(
          AcknowledgeAlertRequest.newBuilder().setAlertId(alertId).setNote(note).setActor(actor).build()).getAlert());
      return ExitCodes.OK;
    }
  }

  @Command(name = "resolve", mixinStandardHelpOptions = true, description = "Resolve an alert.")
  static final class Resolve extends Transition {
    @Override
    public Integer call() {
      print(services().alerting().resolveAlert(
          ResolveAlertRequest.newBuilder().setAlertId(alertId).setNote(note).setActor(actor).build()).getAlert());
      return ExitCodes.OK;
    }
  }

  static String state(AlertState s) {
    return s.name().replace("ALERT_STATE_", "").toLowerCase(Locale.ROOT);
  }
}
