package io.healthscore.alerting.quality;

import io.healthscore.alerting.alert.AlertStore;
import io.healthscore.alerting.support.Times;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertVerdict;
import io.healthscore.v1.Outcome;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * Judges alerts by what happened to their account afterwards: an alert followed by churn or
 * contraction was a true positive (with the days it gave the team as lead time), one followed by
 * renewal or expansion a false positive. An alert is judged by the first outcome after it opened,
 * once; a judged alert is never judged again, so replaying the change feed changes nothing.
 */
public final class OutcomeJudge {
  private static final double MILLIS_PER_DAY = Duration.ofDays(1).toMillis();

  private final AlertStore alerts;

  public OutcomeJudge(AlertStore alerts) {
    this.alerts = alerts;
  }

  /** Judges the account's alerts without a verdict by its outcomes; returns how many were judged. */
  public int judge(Connection c, String accountId, List<Outcome> outcomesOldestFirst) throws SQLException {
    int judged = 0;
    for (Alert alert : alerts.withoutVerdict(c, accountId)) {
      long openedMs = Times.toMillis(alert.getOpenedAt());
      for (Outcome outcome : outcomesOldestFirst) {
        long atMs = Times.toMillis(outcome.getOccurredAt());
        AlertVerdict verdict = verdict(outcome);
        if (atMs <= openedMs || verdict == AlertVerdict.ALERT_VERDICT_UNSPECIFIED) {
          continue;
        }
        Alert.Builder updated = alert.toBuilder().setVerdict(verdict);
        if (verdict == AlertVerdict.ALERT_VERDICT_TRUE_POSITIVE) {
          updated.setLeadTimeDays((atMs - openedMs) / MILLIS_PER_DAY);
        }
        alerts.update(c, updated.build());
        judged++;
        break;
      }
    }
    return judged;
  }

  private static AlertVerdict verdict(Outcome outcome) {
    return switch (outcome.getType()) {
      case OUTCOME_TYPE_CHURNED, OUTCOME_TYPE_CONTRACTED -> AlertVerdict.ALERT_VERDICT_TRUE_POSITIVE;
      case OUTCOME_TYPE_RENEWED, OUTCOME_TYPE_EXPANDED -> AlertVerdict.ALERT_VERDICT_FALSE_POSITIVE;
      case OUTCOME_TYPE_UNSPECIFIED, UNRECOGNIZED -> AlertVerdict.ALERT_VERDICT_UNSPECIFIED;
    };
  }
}
