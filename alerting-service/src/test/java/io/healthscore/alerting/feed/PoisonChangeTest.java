package io.healthscore.alerting.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.alerting.fakes.AlertingHarness;
import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alert;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.ScoreChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A feed that meets a change it cannot apply goes on with the others and retries that one later. */
class PoisonChangeTest {
  @TempDir Path dir;
  private AlertingHarness h;

  @BeforeEach
  void start() {
    h = AlertingHarness.start(dir);
    h.stub.putRule(PutRuleRequest.newBuilder().setRule(RuleYaml.parse("""
        rule_id: red
        scope: {segments: [smb]}
        condition: {band_transition: {to: [BAND_RED]}}
        """).get(0)).build());
    for (String account : List.of("a1", "broken", "a3")) {
      h.signals.setAccount(Account.newBuilder().setAccountId(account).setSegment("smb").build());
    }
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void theFailingChangeIsSetAsideTheOthersApplyAndItIsRetriedUntilItApplies() {
    h.signals.failAccount("broken", Status.INTERNAL.withDescription("corrupt row"));
    List<ScoreChange> batch = List.of(
        h.scoring.push("a1", "default", 3), h.scoring.push("broken", "default", 3), h.scoring.push("a3", "default", 3));

    h.server.scoresFeed().handle(batch);

    assertEquals(List.of("a1", "a3"), alertedAccounts(), "the feed went on past the change that failed");
    IsolatingFeed<ScoreChange> isolation = h.server.scoresFeed().isolation();
    assertEquals(1, isolation.waiting());
    assertEquals(0, isolation.retryDue(), "not due before its backoff");

    h.clock.advance(IsolatingFeed.RETRY_BASE);
    assertEquals(0, isolation.retryDue(), "still failing: waits longer");
    h.signals.failAccount("broken", null);
    h.clock.advance(IsolatingFeed.RETRY_BASE.multipliedBy(2));
    assertEquals(1, isolation.retryDue());
    assertEquals(List.of("a1", "a3", "broken"), alertedAccounts());
    assertEquals(0, isolation.waiting());
    h.clock.advance(Duration.ofHours(2));
    assertEquals(0, isolation.retryDue(), "applied once, retried no more");
  }

  @Test
  void anOutageIsNoPoisonTheBatchFailsWhole() {
    h.signals.failAccount("broken", Status.UNAVAILABLE.withDescription("restarting"));
    List<ScoreChange> batch = List.of(h.scoring.push("a1", "default", 3), h.scoring.push("broken", "default", 3));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> h.server.scoresFeed().handle(batch));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(List.of(), alertedAccounts(), "nothing applied: the follower retries the batch from its cursor");
    assertEquals(0, h.server.scoresFeed().isolation().waiting());
  }

  private List<String> alertedAccounts() {
    return h.stub.listAlerts(ListAlertsRequest.getDefaultInstance()).getAlertsList().stream()
        .map(Alert::getAccountId).sorted().toList();
  }
}
