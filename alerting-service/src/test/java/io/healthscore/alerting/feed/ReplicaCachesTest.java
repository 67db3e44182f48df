package io.healthscore.alerting.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.healthscore.alerting.fakes.AlertingHarness;
import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alert;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.PutChannelRequest;
import io.healthscore.v1.PutRuleRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two alerting replicas on one PostgreSQL: an account edit applied by the replica that follows the
 * signals feed reaches the other replica's account cache promptly (a cache notice), not after the
 * cache's five-minute expiry; rules and channels put through one replica are used by the other.
 */
class ReplicaCachesTest {
  @TempDir Path dirA;
  @TempDir Path dirB;

  @Test
  void anAccountEditAppliedByOneReplicaIsEvaluatedAsEditedOnTheOther() {
    Optional<String> url = PostgresTestSupport.jdbcUrl();
    assumeTrue(url.isPresent(), "no PostgreSQL at " + PostgresTestSupport.DEFAULT_URL);
    Map<String, String> env = Map.of(
        ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(url.get()),
        "HEALTHSCORE_REPLICA_POLL_INTERVAL", "100ms");
    AlertingHarness.Upstream upstream = AlertingHarness.Upstream.create();
    try (AlertingHarness a = AlertingHarness.start(dirA, env, false, upstream);
        AlertingHarness b = AlertingHarness.start(dirB, env, false, upstream)) {
      // Rule and channel through B; A evaluates with them below.
      b.stub.putChannel(PutChannelRequest.newBuilder().setChannel(Channel.newBuilder()
          .setChannelId("ops").setName("Ops log").setType(ChannelType.CHANNEL_TYPE_LOG)).build());
      b.stub.putRule(PutRuleRequest.newBuilder().setRule(RuleYaml.parse("""
          rule_id: red
          name: Turned red
          severity: SEVERITY_CRITICAL
          scope: {segments: [enterprise]}
          condition: {band_transition: {to: [BAND_RED]}}
          playbook:
            - notify: {channel_id: ops}
          """).get(0)).build());
      upstream.signals().setAccount(Account.newBuilder().setAccountId("acme").setOwner("ana")
          .setSegment("enterprise").setMrr(4000).build());
      upstream.signals().setAccount(Account.newBuilder().setAccountId("globex").setOwner("gus")
          .setSegment("enterprise").setMrr(2000).build());

      // A (put through B's API) opens an alert on its own evaluation: rules are read from the database.
      a.score("globex", 8.0);
      a.score("globex", 2.0);
      assertEquals(List.of("globex"), alertsOfRed(b).stream().map(Alert::getAccountId).toList());

      b.score("acme", 8.0); // B caches acme as owned by ana
      upstream.signals().setAccount(Account.newBuilder().setAccountId("acme").setOwner("bo")
          .setSegment("enterprise").setMrr(4000).build());
      a.signalsChanged("acme", ChangeKind.CHANGE_KIND_ACCOUNT); // A holds the feed and applies the edit

      // B reads the account again once the notice dropped it; each green score evaluates it.
      int readsBefore = upstream.signals().accountReads();
      double[] green = {8.0};
      Await.until("replica B dropping the edited account", Duration.ofSeconds(10), () -> {
        green[0] += 0.01;
        b.score("acme", green[0]);
        return upstream.signals().accountReads() > readsBefore;
      });
      b.score("acme", 2.0);
      Alert opened = alertsOfRed(a).stream().filter(x -> x.getAccountId().equals("acme")).findFirst().orElseThrow();
      assertEquals("bo", opened.getAssignee(), "B evaluated the account as edited");
    }
  }

  private static List<Alert> alertsOfRed(AlertingHarness h) {
    return h.stub.listAlerts(ListAlertsRequest.newBuilder().setRuleId("red").build()).getAlertsList();
  }
}
