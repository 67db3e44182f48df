package io.healthscore.alerting.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.alerting.fakes.AlertingHarness;
import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.runtime.testing.Await;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alert;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.ScoreChange;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feeds follow real streams, reconnect after failures and resume from their stored cursors. */
class FeedResumeTest {
  @TempDir Path dir;


  private static List<Alert> alerts(AlertingHarness h) {
    return h.stub.listAlerts(ListAlertsRequest.newBuilder().setPageSize(1000).build()).getAlertsList();
  }

  private static final Map<String, String> FAST_RECONNECT = Map.of("HEALTHSCORE_ALERTING_FEED_MAX_BACKOFF", "200ms");

  /** alerting-service following the upstream's feeds, with a rule that fires when a champion is lost. */
  private AlertingHarness followingWithChampionRule(AlertingHarness.Upstream upstream) {
    AlertingHarness h = AlertingHarness.start(dir, FAST_RECONNECT, true, upstream);
    h.stub.putRule(PutRuleRequest.newBuilder().setRule(RuleYaml.parse(
        "rule_id: champion\ncondition: {signal: {kind: SIGNAL_CONDITION_KIND_CHAMPION_LOST}}").get(0)).build());
    return h;
  }

  @Test
  void restartResumesFromTheStoredCursorsWithoutRaisingTwice() throws Exception {
    AlertingHarness.Upstream upstream = AlertingHarness.Upstream.create();
    AlertingHarness first = AlertingHarness.start(dir, FAST_RECONNECT, true, upstream);
    first.stub.putRule(PutRuleRequest.newBuilder().setRule(RuleYaml.parse(
        "rule_id: red\ncondition: {band_transition: {to: [BAND_RED]}}").get(0)).build());
    for (int i = 0; i < 10; i++) {
      upstream.scoring().push("acct-" + i, "default", 3);
    }
    Await.until("10 alerts", () -> alerts(first).size() == 10);
    first.close();

    // While alerting is down: the same accounts fall further, five new ones turn red.
    for (int i = 0; i < 15; i++) {
      upstream.scoring().push("acct-" + i, "default", 2);
    }
    AlertingHarness second = AlertingHarness.start(dir, FAST_RECONNECT, true, upstream);
    try {
      Await.until("15 alerts", () -> alerts(second).size() == 15);
      Await.until("all 25 changes consumed", () -> upstream.scoring().watchers() == 1);
      List<Long> cursors = upstream.scoring().requestedCursors();
      assertEquals(0L, cursors.get(0), "the first run starts at the beginning");
      assertEquals(10L, cursors.get(cursors.size() - 1), "the restart resumes after the last applied change");
      Map<String, Long> perKey = alerts(second).stream()
          .collect(Collectors.groupingBy(Alert::getDedupKey, Collectors.counting()));
      assertEquals(15, perKey.size());
      assertTrue(perKey.values().stream().allMatch(n -> n == 1), perKey.toString());
    } finally {
      second.close();
    }
  }

  @Test
  void reconnectsAfterTheStreamBreaks() throws Exception {
    AlertingHarness.Upstream upstream = AlertingHarness.Upstream.create();
    try (AlertingHarness h = followingWithChampionRule(upstream)) {
      h.signals.setAccount(Account.newBuilder().setAccountId("acme").build());
      Await.until("the score feed is followed", () -> upstream.scoring().watchers() == 1);
      upstream.scoring().breakStreams();
      upstream.scoring().push("acme", "default", 5);
      h.signals.putFeatures("acme", Map.of(), Map.of("csm.champion", "lost"));
      h.signals.change("acme", ChangeKind.CHANGE_KIND_SIGNALS);
      Await.until("the champion alert", () -> alerts(h).size() == 1);
      Await.until("the score feed is followed again", () -> upstream.scoring().requestedCursors().size() >= 2);
    }
  }

  @Test
  void theSignalsFeedResumesFromItsCursorOnceSignalsIsBack() throws Exception {
    AlertingHarness.Upstream upstream = AlertingHarness.Upstream.create();
    try (AlertingHarness h = followingWithChampionRule(upstream)) {
      for (String id : List.of("acme", "globex")) {
        h.signals.setAccount(Account.newBuilder().setAccountId(id).build());
        h.signals.putFeatures(id, Map.of(), Map.of("csm.champion", "lost"));
      }
      h.signals.change("acme", ChangeKind.CHANGE_KIND_SIGNALS);
      Await.until("the first champion alert", () -> alerts(h).size() == 1);

      h.signals.feedDown(true);
      h.signals.change("globex", ChangeKind.CHANGE_KIND_SIGNALS); // recorded as signals-service went down
      Await.until("reopening refused", () -> h.signals.refusedWatches() >= 2);
      h.signals.feedDown(false);

      Await.until("the change made during the outage raises its alert", () -> alerts(h).size() == 2);
      List<Long> cursors = h.signals.watchAfterCursors;
      assertEquals(List.of(0L, 1L), cursors, "reopened after the applied change, not from the start");
      Map<String, Long> perKey = alerts(h).stream()
          .collect(Collectors.groupingBy(Alert::getDedupKey, Collectors.counting()));
      assertTrue(perKey.values().stream().allMatch(n -> n == 1), perKey.toString());
    }
  }

  @Test
  void replayingAnAppliedChangeRaisesNothingNew() {
    try (AlertingHarness h = AlertingHarness.start(dir)) {
      h.stub.putRule(PutRuleRequest.newBuilder().setRule(RuleYaml.parse(
          "rule_id: red\ncondition: {band_transition: {to: [BAND_RED]}}").get(0)).build());
      ScoreChange change = h.score("acme", 3);
      h.server.scoresFeed().handle(change);
      h.server.scoresFeed().handle(change);
      assertEquals(1, alerts(h).size());
    }
  }
}
