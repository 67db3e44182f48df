package io.healthscore.alerting.fuzz;

import io.healthscore.alerting.fakes.AlertingHarness;
import io.healthscore.runtime.testing.fuzz.ServiceFuzzer;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alerting;
import io.healthscore.v1.BandTransitionCondition;
import io.healthscore.v1.Condition;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ListChannelsRequest;
import io.healthscore.v1.ListDeliveriesRequest;
import io.healthscore.v1.ListRulesRequest;
import io.healthscore.v1.ListTasksRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.Rule;
import java.util.Set;

/** The AlertingService fuzzer over a harness with one rule and one open alert on account "x-1". */
final class AlertingFuzzing {
  private AlertingFuzzing() {}

  static ServiceFuzzer fuzzer(AlertingHarness harness) {
    harness.signals.setAccount(Account.newBuilder().setAccountId("x-1").setName("x-1").build());
    harness.stub.putRule(PutRuleRequest.newBuilder()
        .setRule(Rule.newBuilder().setRuleId("turned-red").setName("turned red")
            .setCondition(Condition.newBuilder().setBandTransition(BandTransitionCondition.newBuilder().addTo(io.healthscore.v1.Band.BAND_RED))))
        .build());
    harness.score("x-1", 8);
    harness.score("x-1", 2);
    return new ServiceFuzzer(
        harness.channel(),
        Alerting.getDescriptor().findServiceByName("AlertingService"),
        () -> state(harness),
        Set.of("SubscribeAlerts"));
  }

  /** Rules, channels, alerts, tasks and deliveries as the public API lists them. */
  private static String state(AlertingHarness harness) {
    return String.valueOf(harness.stub.listRules(ListRulesRequest.getDefaultInstance()))
        + harness.stub.listChannels(ListChannelsRequest.getDefaultInstance())
        + harness.stub.listAlerts(ListAlertsRequest.newBuilder().setPageSize(1000).build())
        + harness.stub.listTasks(ListTasksRequest.newBuilder().setPageSize(1000).build())
        + harness.stub.listDeliveries(ListDeliveriesRequest.newBuilder().setPageSize(1000).build());
  }
}
