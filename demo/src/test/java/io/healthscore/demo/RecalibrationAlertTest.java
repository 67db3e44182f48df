package io.healthscore.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.healthscore.alerting.AlertingServer;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertState;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.AnyOfCondition;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.Condition;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.RecalibrationDueCondition;
import io.healthscore.v1.Rule;
import io.healthscore.v1.RuleScope;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scoring-service with a learned model and alerting-service with a recalibration_due rule, each
 * through its public API: the alert opens once when the model outgrows the recalibration age and
 * resolves when a newly trained model is activated.
 */
class RecalibrationAlertTest {
  private static final long DAY = Duration.ofDays(1).toMillis();

  @TempDir Path dir;

  @Test
  void alertsOnceWhenRecalibrationIsDueAndResolvesOnANewModel() throws Exception {
    try (ScoringHarness scoring = new ScoringHarness(dir.resolve("scoring"))
        .withScorecard(TestScorecards.logins("logins")).start()) {
      recordOutcomes(scoring);
      CalibrationReport first = scoring.stub().calibrate(CalibrateRequest.newBuilder().setActivate(true).build())
          .getReport();

      ServiceConfig config = ServiceConfig.fromMap(AlertingServer.SERVICE_NAME, 0, 0, Map.of(
          ServiceConfig.DATA_DIR, dir.resolve("alerting").toString(), ServiceConfig.SHUTDOWN_GRACE_SECONDS, "1"));
      String name = "alerting-" + UUID.randomUUID();
      try (AlertingServer alerting = AlertingServer.builder(config).clock(scoring.clock)
              .signalsChannel(scoring.signalsChannel()).scoringChannel(scoring.channel())
              .inProcess(name).followFeeds(false).build().start()) {
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        try {
          AlertingServiceGrpc.AlertingServiceBlockingStub api = AlertingServiceGrpc.newBlockingStub(channel);
          Condition due = Condition.newBuilder().setRecalibrationDue(RecalibrationDueCondition.getDefaultInstance())
              .build();
          StatusRuntimeException nested = assertThrows(StatusRuntimeException.class, () -> api.putRule(
              PutRuleRequest.newBuilder().setRule(Rule.newBuilder().setRuleId("nested")
                  .setCondition(Condition.newBuilder().setAnyOf(AnyOfCondition.newBuilder().addConditions(due))))
                  .build()));
          assertEquals(Status.Code.INVALID_ARGUMENT, nested.getStatus().getCode());
          assertTrue(nested.getMessage().contains("rule.condition.any_of.conditions[0].recalibration_due"), nested.getMessage());
          StatusRuntimeException scoped = assertThrows(StatusRuntimeException.class, () -> api.putRule(
              PutRuleRequest.newBuilder().setRule(Rule.newBuilder().setRuleId("scoped").setCondition(due)
                  .setScope(RuleScope.newBuilder().addSegments("smb"))).build()));
          assertTrue(scoped.getMessage().contains("rule.scope must be empty"), scoped.getMessage());

          api.putRule(PutRuleRequest.newBuilder().setRule(
              Rule.newBuilder().setRuleId("recalibrate").setName("Churn model due for recalibration").setCondition(due))
              .build());
          ListAlertsRequest ofRule = ListAlertsRequest.newBuilder().setRuleId("recalibrate").build();

          assertEquals(1, alerting.modelHealth().run());
          assertEquals(List.of(), api.listAlerts(ofRule).getAlertsList(), "a fresh model is not due");

          scoring.clock.advance(Duration.ofDays(181));
          alerting.modelHealth().run();
          alerting.modelHealth().run();
          List<Alert> opened = api.listAlerts(ofRule).getAlertsList();
          assertEquals(1, opened.size(), "raised once: " + opened);
          Alert alert = opened.get(0);
          assertEquals(AlertState.ALERT_STATE_OPEN, alert.getState());
          assertEquals("", alert.getAccountId(), "the model's alert, no account's");
          assertTrue(alert.getReason().contains(first.getModelId()) && alert.getReason().contains("more than the 180 days"),
              alert.getReason());

          CalibrationReport second = scoring.stub().calibrate(
              CalibrateRequest.newBuilder().setActivate(true).setForce(true).build()).getReport();
          assertNotEquals(first.getModelId(), second.getModelId());
          alerting.modelHealth().run();
          List<Alert> after = api.listAlerts(ofRule).getAlertsList();
          assertEquals(1, after.size(), "the new model is fresh: nothing else opens: " + after);
          assertEquals(AlertState.ALERT_STATE_RESOLVED, after.get(0).getState());
          assertTrue(after.get(0).getNote().contains(second.getModelId() + " is active now"), after.get(0).getNote());
        } finally {
          channel.shutdownNow();
        }
      }
    }
  }

  /** Churn follows the contract: month-to-month accounts churn far more often than annual ones. */
  private static void recordOutcomes(ScoringHarness scoring) {
    long now = scoring.clock.millis();
    Random random = new Random(8);
    for (int i = 0; i < 240; i++) {
      String id = "acct-" + i;
      boolean monthly = random.nextBoolean();
      boolean churns = random.nextDouble() < (monthly ? 0.6 : 0.1);
      scoring.signals.putAccount(FakeSignalService.account(id, "smb", 100));
      scoring.signals.setFeaturesFrom(id, now - 400 * DAY, Map.of(TestScorecards.FEATURE, 50.0),
          Map.of("attr.contract", monthly ? "month-to-month" : "annual"));
      scoring.signals.addOutcome(Outcome.newBuilder().setEventId("o-" + i).setAccountId(id)
          .setType(churns ? OutcomeType.OUTCOME_TYPE_CHURNED : OutcomeType.OUTCOME_TYPE_RENEWED)
          .setOccurredAt(Timestamps.fromMillis(now - (10 + i % 50) * DAY)).build());
    }
    scoring.awaitFeedCaughtUp();
  }
}
