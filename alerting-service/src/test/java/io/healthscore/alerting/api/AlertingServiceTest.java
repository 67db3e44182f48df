package io.healthscore.alerting.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.alerting.fakes.AlertingHarness;
import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.alerting.support.Times;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.v1.AcknowledgeAlertRequest;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.AlertState;
import io.healthscore.v1.AlertVerdict;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.Band;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.CompleteTaskRequest;
import io.healthscore.v1.DeleteRuleRequest;
import io.healthscore.v1.DeliveryState;
import io.healthscore.v1.GetRuleQualityRequest;
import io.healthscore.v1.GetRuleRequest;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ListAlertsResponse;
import io.healthscore.v1.ListChannelsRequest;
import io.healthscore.v1.ListDeliveriesRequest;
import io.healthscore.v1.ListRulesRequest;
import io.healthscore.v1.ListTasksRequest;
import io.healthscore.v1.ListTasksResponse;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.PutChannelRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.ResolveAlertRequest;
import io.healthscore.v1.RetryDeliveryRequest;
import io.healthscore.v1.Rule;
import io.healthscore.v1.RuleQuality;
import io.healthscore.v1.Severity;
import io.healthscore.v1.SubscribeAlertsRequest;
import io.healthscore.v1.SubscribeAlertsResponse;
import io.healthscore.v1.Task;
import io.healthscore.v1.TaskState;
import io.healthscore.v1.TestChannelRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every AlertingService RPC in-process, against the production wiring and fake upstream services. */
class AlertingServiceTest {
  @TempDir Path dir;
  AlertingHarness h;
  private Map<String, String> env;

  /** Variables of the service under test; the embedded store here. */
  Map<String, String> env() {
    return Map.of();
  }

  private AlertingHarness startHarness() {
    return AlertingHarness.start(dir, env, false, AlertingHarness.Upstream.create());
  }

  @BeforeEach
  void start() {
    env = env();
    h = startHarness();
    h.stub.putChannel(PutChannelRequest.newBuilder().setChannel(Channel.newBuilder()
        .setChannelId("ops").setName("Ops log").setType(ChannelType.CHANNEL_TYPE_LOG)).build());
    h.signals.setAccount(Account.newBuilder().setAccountId("acme").setOwner("ana").setSegment("enterprise")
        .setMrr(4000).build());
  }

  @AfterEach
  void stop() {
    h.close();
  }

  private Rule putRule(String yaml) {
    return h.stub.putRule(PutRuleRequest.newBuilder().setRule(RuleYaml.parse(yaml).get(0)).build()).getRule();
  }

  private static final String RED_RULE = """
      rule_id: red
      name: Turned red
      severity: SEVERITY_CRITICAL
      condition: {band_transition: {to: [BAND_RED]}}
      playbook:
        - notify: {channel_id: ops}
      """;

  private List<Alert> alerts(ListAlertsRequest request) {
    return h.stub.listAlerts(request).getAlertsList();
  }

  private List<Alert> alertsOf(String ruleId) {
    return alerts(ListAlertsRequest.newBuilder().setRuleId(ruleId).build());
  }

  private static Status.Code code(Executable call) {
    return assertThrows(StatusRuntimeException.class, call).getStatus().getCode();
  }

  /** The first {@code n} events of the alert stream. */
  private List<AlertEvent> events(int n) {
    List<AlertEvent> events = new ArrayList<>();
    Iterator<SubscribeAlertsResponse> stream = AlertingServiceGrpc.newBlockingStub(h.channel())
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .subscribeAlerts(SubscribeAlertsRequest.getDefaultInstance());
    while (events.size() < n && stream.hasNext()) {
      events.add(stream.next().getEvent());
    }
    return events;
  }

  @Test
  void putGetListAndVersionRules() {
    Rule first = putRule(RED_RULE);
    assertEquals(1, first.getVersion());
    assertTrue(first.hasUpdateTime());
    Rule second = putRule(RED_RULE.replace("Turned red", "Account turned red"));
    assertEquals(2, second.getVersion());
    putRule("rule_id: a-first\ncondition: {threshold: {threshold: 3}}");
    Rule got = h.stub.getRule(GetRuleRequest.newBuilder().setRuleId("red").build()).getRule();
    assertEquals("Account turned red", got.getName());
    assertEquals(List.of("a-first", "red"),
        h.stub.listRules(ListRulesRequest.getDefaultInstance()).getRulesList().stream().map(Rule::getRuleId).toList());
    assertEquals(Status.Code.NOT_FOUND, code(() -> h.stub.getRule(GetRuleRequest.newBuilder().setRuleId("nope").build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> h.stub.getRule(GetRuleRequest.getDefaultInstance())));
  }

  @Test
  void invalidRuleIsRejectedWithEveryFieldAndNothingStored() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> putRule("""
        rule_id: bad
        condition: {score_drop: {points: 0, within_days: 7}}
        playbook: [{notify: {channel_id: pager}}]
        """));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(List.of("rule.condition.score_drop.points", "rule.playbook[0].notify.channel_id"),
        ApiErrors.fieldViolations(e).stream().map(FieldViolation::field).toList());
    assertEquals(0, h.stub.listRules(ListRulesRequest.getDefaultInstance()).getRulesCount());
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> h.stub.putRule(PutRuleRequest.getDefaultInstance())));
  }

  @Test
  void bandTransitionOpensOneAlertWithItsDetailsAndNotifies() {
    putRule(RED_RULE);
    h.score("acme", 8);
    assertEquals(0, alertsOf("red").size(), "green raises nothing");
    h.score("acme", 3);
    h.score("acme", 2.5);
    h.score("acme", 2);
    List<Alert> alerts = alertsOf("red");
    assertEquals(1, alerts.size(), "deduplicated while open");
    Alert a = alerts.get(0);
    assertEquals("acme", a.getAccountId());
    assertEquals("red/acme", a.getDedupKey());
    assertEquals(AlertState.ALERT_STATE_OPEN, a.getState());
    assertEquals(Severity.SEVERITY_CRITICAL, a.getSeverity());
    assertEquals("ana", a.getAssignee(), "the account's owner");
    assertEquals(3.0, a.getScore());
    assertEquals(Band.BAND_RED, a.getBand());
    assertEquals("default", a.getScorecardId());
    assertEquals(1, a.getRuleVersion());
    assertEquals("band moved from green to red (scorecard default)", a.getReason());
    assertEquals(Times.toTimestamp(h.clock.instant()), a.getOpenedAt());

    AlertEvent opened = events(1).get(0);
    assertEquals(AlertEventKind.ALERT_EVENT_KIND_OPENED, opened.getKind());
    assertEquals(a.getAlertId(), opened.getAlert().getAlertId());
    assertEquals(a.getAlertId() + "/ALERT_EVENT_KIND_OPENED", opened.getIdempotencyKey());
    var deliveries = h.stub.listDeliveries(ListDeliveriesRequest.newBuilder().setChannelId("ops").build());
    assertEquals(1, deliveries.getDeliveriesCount(), "one delivery to the notified channel");
    assertEquals(a.getAlertId(), deliveries.getDeliveries(0).getAlertId());
  }

  @Test
  void theFirstRealScoreAfterNoDataIsNeitherADropNorATransition() {
    putRule("rule_id: drop\ncondition: {score_drop: {points: 1.5, within_days: 7}}\n");
    putRule("rule_id: yellow-to-red\ncondition: {band_transition: {from: [BAND_YELLOW], to: [BAND_RED]}}\n");
    h.noData("fresh");
    h.clock.advance(Duration.ofMinutes(10));
    h.score("fresh", 3);
    assertEquals(0, alertsOf("drop").size(), "5.5 was a placeholder, not a score that fell");
    assertEquals(0, alertsOf("yellow-to-red").size(), "the placeholder's yellow is no band to move from");
    h.clock.advance(Duration.ofMinutes(10));
    h.score("fresh", 4.5);
    h.clock.advance(Duration.ofMinutes(10));
    h.score("fresh", 2.5);
    assertEquals(1, alertsOf("yellow-to-red").size(), "a real yellow to red still alerts");
    assertEquals(1, alertsOf("drop").size(), "a real drop of 2 still alerts");
  }

  @Test
  void conditionClearingResolvesTheAlertUnlessTheRuleKeepsItOpen() {
    putRule(RED_RULE);
    putRule(RED_RULE.replace("rule_id: red", "rule_id: red-sticky") + "keep_open_when_cleared: true\n");
    h.score("acme", 3);
    h.score("acme", 6);
    Alert resolved = alertsOf("red").get(0);
    assertEquals(AlertState.ALERT_STATE_RESOLVED, resolved.getState());
    assertEquals("condition cleared: condition does not hold on scorecard default", resolved.getNote());
    assertEquals("system", resolved.getResolvedBy());
    assertTrue(resolved.hasResolvedAt());
    assertEquals(AlertState.ALERT_STATE_OPEN, alertsOf("red-sticky").get(0).getState());
  }

  @Test
  void cooldownKeepsARuleQuietAfterResolutionUntilItPasses() {
    putRule(RED_RULE + "cooldown_hours: 12\n");
    h.score("acme", 3);
    h.score("acme", 6);
    h.clock.advance(Duration.ofHours(11));
    h.score("acme", 3);
    assertEquals(1, alertsOf("red").size(), "still cooling down after 11 hours");
    h.score("acme", 6);
    h.clock.advance(Duration.ofHours(2));
    h.score("acme", 3);
    List<Alert> alerts = alertsOf("red");
    assertEquals(2, alerts.size(), "13 hours after resolution it may alert again");
    assertEquals(AlertState.ALERT_STATE_OPEN, alerts.get(0).getState(), "newest first");
    assertEquals(AlertState.ALERT_STATE_RESOLVED, alerts.get(1).getState());
  }

  @Test
  void aScoreOscillatingAroundAThresholdRaisesOneAlert() {
    putRule("""
        rule_id: below-four
        condition: {threshold: {threshold: 4, direction: CROSSING_DIRECTION_BELOW, hysteresis: 0.5}}
        """);
    for (int i = 0; i < 20; i++) {
      h.clock.advance(Duration.ofMinutes(10));
      h.score("acme", 3.9);
      h.clock.advance(Duration.ofMinutes(10));
      h.score("acme", 4.2);
    }
    List<Alert> alerts = alertsOf("below-four");
    assertEquals(1, alerts.size());
    assertEquals(AlertState.ALERT_STATE_OPEN, alerts.get(0).getState(), "4.2 is within the hysteresis: stays open");
  }

  @Test
  void aBandFlappingAcrossTheCutOffRaisesOneAlertThanksToTheCooldown() {
    putRule(RED_RULE);
    for (int i = 0; i < 20; i++) {
      h.clock.advance(Duration.ofMinutes(30));
      h.score("acme", 3.5);
      h.clock.advance(Duration.ofMinutes(30));
      h.score("acme", 4.5);
    }
    assertEquals(1, alertsOf("red").size(), "20 red/yellow oscillations within the 24 h default cooldown");
  }

  @Test
  void acknowledgeAndResolveFollowTheLifecycle() {
    putRule(RED_RULE);
    h.score("acme", 3);
    String id = alertsOf("red").get(0).getAlertId();
    StatusRuntimeException longActor = assertThrows(StatusRuntimeException.class, () -> h.stub.acknowledgeAlert(
        AcknowledgeAlertRequest.newBuilder().setAlertId(id).setActor("a".repeat(257)).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, longActor.getStatus().getCode());
    assertEquals(List.of("actor"), ApiErrors.fieldViolations(longActor).stream().map(FieldViolation::field).toList());
    assertEquals(AlertState.ALERT_STATE_OPEN, alertsOf("red").get(0).getState(), "nothing changed");
    for (var call : List.<Runnable>of(
        () -> h.stub.acknowledgeAlert(AcknowledgeAlertRequest.newBuilder().setAlertId(id).setNote("n".repeat(4001)).build()),
        () -> h.stub.resolveAlert(ResolveAlertRequest.newBuilder().setAlertId(id).setNote("n".repeat(4001)).build()))) {
      StatusRuntimeException longNote = assertThrows(StatusRuntimeException.class, call::run);
      assertEquals(Status.Code.INVALID_ARGUMENT, longNote.getStatus().getCode());
      assertEquals(List.of("note"), ApiErrors.fieldViolations(longNote).stream().map(FieldViolation::field).toList());
    }
    assertEquals(AlertState.ALERT_STATE_OPEN, alertsOf("red").get(0).getState(), "nothing changed");
    Alert acked = h.stub.acknowledgeAlert(AcknowledgeAlertRequest.newBuilder().setAlertId(id).setNote("calling them")
        .setActor("ana").build()).getAlert();
    assertEquals(AlertState.ALERT_STATE_ACKNOWLEDGED, acked.getState());
    assertEquals("calling them", acked.getNote(), "the note as given; the actor has a field of its own");
    assertEquals("ana", acked.getAcknowledgedBy());
    assertEquals("", acked.getResolvedBy());
    assertTrue(acked.hasAcknowledgedAt());
    Alert again = h.stub.acknowledgeAlert(AcknowledgeAlertRequest.newBuilder().setAlertId(id).setNote("x").build())
        .getAlert();
    assertEquals(acked, again, "acknowledging twice changes nothing");
    h.score("acme", 2);
    assertEquals(1, alertsOf("red").size(), "an acknowledged alert still deduplicates");

    Alert resolved = h.stub.resolveAlert(ResolveAlertRequest.newBuilder().setAlertId(id).setNote("saved")
        .setActor("bo").build()).getAlert();
    assertEquals(AlertState.ALERT_STATE_RESOLVED, resolved.getState());
    assertEquals("saved", resolved.getNote());
    assertEquals("ana", resolved.getAcknowledgedBy(), "who acknowledged stays on record");
    assertEquals("bo", resolved.getResolvedBy());
    assertEquals(resolved, alertsOf("red").get(0), "both actors are stored and listed");
    assertEquals(Status.Code.FAILED_PRECONDITION,
        code(() -> h.stub.resolveAlert(ResolveAlertRequest.newBuilder().setAlertId(id).build())));
    assertEquals(Status.Code.FAILED_PRECONDITION,
        code(() -> h.stub.acknowledgeAlert(AcknowledgeAlertRequest.newBuilder().setAlertId(id).build())));
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub.acknowledgeAlert(AcknowledgeAlertRequest.newBuilder().setAlertId("nope").build())));
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub.resolveAlert(ResolveAlertRequest.newBuilder().setAlertId("nope").build())));
    assertEquals(Status.Code.INVALID_ARGUMENT,
        code(() -> h.stub.resolveAlert(ResolveAlertRequest.getDefaultInstance())));

    List<AlertEventKind> kinds = events(3).stream().map(AlertEvent::getKind).toList();
    assertEquals(List.of(AlertEventKind.ALERT_EVENT_KIND_OPENED, AlertEventKind.ALERT_EVENT_KIND_ACKNOWLEDGED,
        AlertEventKind.ALERT_EVENT_KIND_RESOLVED), kinds);
  }

  @Test
  void deleteRuleResolvesItsOpenAlerts() {
    putRule(RED_RULE);
    h.signals.setAccount(Account.newBuilder().setAccountId("globex").setOwner("bo").build());
    h.score("acme", 3);
    h.score("globex", 2);
    assertEquals(2, h.stub.deleteRule(DeleteRuleRequest.newBuilder().setRuleId("red").build()).getResolvedAlerts());
    assertTrue(alertsOf("red").stream().allMatch(a -> a.getState() == AlertState.ALERT_STATE_RESOLVED));
    assertEquals(Status.Code.NOT_FOUND, code(() -> h.stub.getRule(GetRuleRequest.newBuilder().setRuleId("red").build())));
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub.deleteRule(DeleteRuleRequest.newBuilder().setRuleId("red").build())));
    h.score("acme", 1.5);
    assertEquals(2, alertsOf("red").size(), "a deleted rule raises nothing");
    assertEquals(3, putRule(RED_RULE).getVersion(), "versions keep counting after a delete");
  }

  @Test
  void listAlertsFiltersAndPages() {
    putRule(RED_RULE);
    putRule("rule_id: low\nseverity: SEVERITY_INFO\ncondition: {threshold: {threshold: 5}}");
    for (int i = 0; i < 5; i++) {
      h.clock.advance(Duration.ofMinutes(1));
      h.signals.setAccount(Account.newBuilder().setAccountId("acct-" + i).setOwner(i % 2 == 0 ? "ana" : "bo").build());
      h.score("acct-" + i, 3);
    }
    assertEquals(10, alerts(ListAlertsRequest.getDefaultInstance()).size());
    assertEquals(5, alerts(ListAlertsRequest.newBuilder().setMinSeverity(Severity.SEVERITY_CRITICAL).build()).size());
    assertEquals(6, alerts(ListAlertsRequest.newBuilder().setAssignee("ana").build()).size());
    assertEquals(2, alerts(ListAlertsRequest.newBuilder().setAccountId("acct-3").build()).size());
    String id = alerts(ListAlertsRequest.newBuilder().setAccountId("acct-3").setRuleId("low").build()).get(0).getAlertId();
    h.stub.acknowledgeAlert(AcknowledgeAlertRequest.newBuilder().setAlertId(id).build());
    assertEquals(List.of(id), alerts(ListAlertsRequest.newBuilder()
        .addStates(AlertState.ALERT_STATE_ACKNOWLEDGED).build()).stream().map(Alert::getAlertId).toList());

    List<String> paged = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListAlertsResponse page = h.stub.listAlerts(
          ListAlertsRequest.newBuilder().setPageSize(3).setPageToken(token).build());
      page.getAlertsList().forEach(a -> paged.add(a.getAlertId()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertEquals(4, pages);
    assertEquals(alerts(ListAlertsRequest.getDefaultInstance()).stream().map(Alert::getAlertId).toList(), paged,
        "pages cover every alert once, newest first");
    assertEquals("acct-4", alerts(ListAlertsRequest.getDefaultInstance()).get(0).getAccountId());

    StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
        () -> h.stub.listAlerts(ListAlertsRequest.newBuilder().setPageToken("garbage!").setPageSize(-1).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
    assertEquals(List.of("page_size"), ApiErrors.fieldViolations(bad).stream().map(FieldViolation::field).toList());
    assertEquals(Status.Code.INVALID_ARGUMENT,
        code(() -> h.stub.listAlerts(ListAlertsRequest.newBuilder().setPageToken("garbage!").build())));
  }

  @Test
  void playbookCreatesTasksForTheOwnerAndTheyCanBeCompleted() {
    putRule(RED_RULE + "  - create_task: {title: Call the sponsor, description: Ask about the drop, due_in_days: 3}\n");
    h.score("acme", 3);
    ListTasksResponse tasks = h.stub.listTasks(ListTasksRequest.newBuilder().setAssignee("ana").build());
    assertEquals(1, tasks.getTasksCount());
    Task task = tasks.getTasks(0);
    assertEquals("Call the sponsor", task.getTitle());
    assertEquals("Ask about the drop", task.getDescription());
    assertEquals("acme", task.getAccountId());
    assertEquals(alertsOf("red").get(0).getAlertId(), task.getAlertId());
    assertEquals(TaskState.TASK_STATE_OPEN, task.getState());
    assertEquals(Times.toTimestamp(h.clock.instant().plus(Duration.ofDays(3))), task.getDueTime());
    assertEquals(0, h.stub.listTasks(ListTasksRequest.newBuilder().setAssignee("bo").build()).getTasksCount());

    StatusRuntimeException longNote = assertThrows(StatusRuntimeException.class, () -> h.stub.completeTask(
        CompleteTaskRequest.newBuilder().setTaskId(task.getTaskId()).setNote("n".repeat(4001)).build()));
    assertEquals(List.of("note"), ApiErrors.fieldViolations(longNote).stream().map(FieldViolation::field).toList());
    Task done = h.stub.completeTask(CompleteTaskRequest.newBuilder().setTaskId(task.getTaskId()).setNote("called").build())
        .getTask();
    assertEquals(TaskState.TASK_STATE_DONE, done.getState());
    assertEquals("called", done.getNote());
    assertEquals(0, h.stub.listTasks(ListTasksRequest.newBuilder().setState(TaskState.TASK_STATE_OPEN).build())
        .getTasksCount());
    assertEquals(Status.Code.FAILED_PRECONDITION,
        code(() -> h.stub.completeTask(CompleteTaskRequest.newBuilder().setTaskId(task.getTaskId()).build())));
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub.completeTask(CompleteTaskRequest.newBuilder().setTaskId("nope").build())));
  }

  @Test
  void listTasksPagesInDueOrder() {
    putRule(RED_RULE + "  - create_task: {title: Call, due_in_days: 2}\n");
    for (int i = 0; i < 5; i++) {
      h.clock.advance(Duration.ofHours(1));
      h.signals.setAccount(Account.newBuilder().setAccountId("t-" + i).setOwner("ana").build());
      h.score("t-" + i, 3);
    }
    List<String> accounts = new ArrayList<>();
    String token = "";
    do {
      ListTasksResponse page = h.stub.listTasks(ListTasksRequest.newBuilder().setPageSize(2).setPageToken(token).build());
      page.getTasksList().forEach(t -> accounts.add(t.getAccountId()));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertEquals(List.of("t-0", "t-1", "t-2", "t-3", "t-4"), accounts);
  }

  @Test
  void unacknowledgedAlertsEscalateAfterTheirHours() {
    putRule(RED_RULE + "  - escalate: {channel_id: ops, after_hours: 4}\n");
    h.signals.setAccount(Account.newBuilder().setAccountId("globex").setOwner("bo").build());
    h.score("acme", 3);
    h.score("globex", 3);
    String globex = alerts(ListAlertsRequest.newBuilder().setAccountId("globex").build()).get(0).getAlertId();
    h.stub.acknowledgeAlert(AcknowledgeAlertRequest.newBuilder().setAlertId(globex).build());
    h.clock.advance(Duration.ofHours(3));
    assertEquals(0, h.server.escalations().runDue(), "not due yet");
    h.clock.advance(Duration.ofHours(1));
    assertEquals(1, h.server.escalations().runDue(), "only the unacknowledged alert escalates");
    assertEquals(0, h.server.escalations().runDue(), "each escalation happens once");
    Alert acme = alerts(ListAlertsRequest.newBuilder().setAccountId("acme").build()).get(0);
    assertTrue(acme.getEscalated());
    assertFalse(alerts(ListAlertsRequest.newBuilder().setAccountId("globex").build()).get(0).getEscalated());
    List<AlertEvent> events = events(4);
    AlertEvent last = events.get(3);
    assertEquals(AlertEventKind.ALERT_EVENT_KIND_ESCALATED, last.getKind());
    assertEquals(acme.getAlertId(), last.getAlert().getAlertId());
  }

  @Test
  void escalationsSurviveARestart() {
    putRule(RED_RULE + "  - escalate: {channel_id: ops, after_hours: 2}\n");
    h.score("acme", 3);
    h.close();
    h = startHarness();
    h.clock.advance(Duration.ofHours(5));
    // The restarted scheduler's own first scan may run it before this call does: once either way.
    h.server.escalations().runDue();
    assertTrue(alerts(ListAlertsRequest.newBuilder().setAccountId("acme").build()).get(0).getEscalated(),
        "escalated after the restart");
    assertEquals(0, h.server.escalations().runDue(), "each escalation happens once");
  }

  @Test
  void signalConditionsFireAndClearOnTheSignalsFeed() {
    putRule("rule_id: champion\ncondition: {signal: {kind: SIGNAL_CONDITION_KIND_CHAMPION_LOST}}");
    h.signals.putFeatures("acme", Map.of(), Map.of("csm.champion", "strong"));
    h.signalsChanged("acme", ChangeKind.CHANGE_KIND_SIGNALS);
    assertEquals(0, alertsOf("champion").size());
    h.signals.putFeatures("acme", Map.of(), Map.of("csm.champion", "lost"));
    h.signalsChanged("acme", ChangeKind.CHANGE_KIND_SIGNALS);
    Alert a = alertsOf("champion").get(0);
    assertEquals(AlertState.ALERT_STATE_OPEN, a.getState());
    assertEquals("champion lost", a.getReason());
    h.signals.putFeatures("acme", Map.of(), Map.of("csm.champion", "new"));
    h.signalsChanged("acme", ChangeKind.CHANGE_KIND_SIGNALS);
    assertEquals(AlertState.ALERT_STATE_RESOLVED, alertsOf("champion").get(0).getState());
  }

  @Test
  void aScoreChangeEvaluatesTheRulesThatReadScoresAndReadsNoFeaturesForTheOthers() {
    putRule("rule_id: low\ncondition: {threshold: {threshold: 5}}");
    putRule("rule_id: payment\ncondition: {signal: {kind: SIGNAL_CONDITION_KIND_PAYMENT_FAILED, days: 14}}");
    h.signals.putFeatures("acme", Map.of("billing.payment_failed.days_since_last", 1.0), Map.of());
    int readsBefore = h.signals.batchGetFeaturesCalls.get();

    h.score("acme", 3);
    assertEquals(1, alertsOf("low").size(), "the score rule fires on the score change");
    assertEquals(0, alertsOf("payment").size(), "a score cannot open a signal rule's alert");
    assertEquals(readsBefore, h.signals.batchGetFeaturesCalls.get(), "no feature read for a score change");

    h.signalsChanged("acme", ChangeKind.CHANGE_KIND_SIGNALS);
    assertEquals(1, alertsOf("payment").size(), "the signals feed opens it");
  }

  @Test
  void theSweepCatchesConditionsThatTimeAloneMakesTrue() {
    putRule("rule_id: quiet\ncondition: {signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, days: 30}}");
    h.signals.putFeatures("acme", Map.of("logins.days_since_last", 10.0), Map.of());
    h.score("acme", 8);
    assertEquals(0, alertsOf("quiet").size());
    h.clock.advance(Duration.ofDays(21));
    h.signals.putFeatures("acme", Map.of("logins.days_since_last", 31.0), Map.of());
    assertEquals(1, h.server.sweep().run(), "one known account");
    Alert quiet = alertsOf("quiet").get(0);
    assertEquals("no activity for 31 days", quiet.getReason());
    assertEquals(1, h.server.sweep().run());
    assertEquals(1, alertsOf("quiet").size(), "sweeping again raises nothing new");
  }

  @Test
  void aNewAccountWithoutSignalsIsNotSilentUntilItIsOlderThanTheWindow() {
    putRule("rule_id: quiet\ncondition: {signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, days: 21}}");
    h.signals.setAccount(Account.newBuilder().setAccountId("fresh").setOwner("ana")
        .setCreateTime(Times.toTimestamp(h.clock.instant())).build());
    h.signalsChanged("fresh", ChangeKind.CHANGE_KIND_ACCOUNT);
    h.score("fresh", 5);
    assertEquals(0, alertsOf("quiet").size(), "onboarding raises nothing before the first signals");
    h.clock.advance(Duration.ofDays(22));
    h.server.sweep().run();
    Alert quiet = alertsOf("quiet").get(0);
    assertEquals("no activity on record in the 22 days since the account was created", quiet.getReason());
  }

  @Test
  void renewalRiskReadsTheAccountAndForgetsItWhenItChanges() {
    putRule("rule_id: renewal\ncondition: {renewal_risk: {within_days: 60}}\nscope: {min_mrr: 1000}");
    h.signals.setAccount(Account.newBuilder().setAccountId("acme").setOwner("ana").setMrr(4000)
        .setRenewalDate(Times.toTimestamp(h.clock.instant().plus(Duration.ofDays(20)))).build());
    h.score("acme", 5);
    assertEquals(AlertState.ALERT_STATE_OPEN, alertsOf("renewal").get(0).getState());
    h.signals.setAccount(Account.newBuilder().setAccountId("acme").setOwner("ana").setMrr(4000)
        .setRenewalDate(Times.toTimestamp(h.clock.instant().plus(Duration.ofDays(380)))).build());
    h.signalsChanged("acme", ChangeKind.CHANGE_KIND_ACCOUNT);
    assertEquals(AlertState.ALERT_STATE_RESOLVED, alertsOf("renewal").get(0).getState(),
        "the renewed contract is read after the account change");
  }

  @Test
  void outcomesJudgeAlertsIntoPrecisionAndLeadTime() throws Exception {
    putRule(RED_RULE);
    for (String acct : List.of("a", "b", "c")) {
      h.signals.setAccount(Account.newBuilder().setAccountId(acct).setOwner("ana").build());
      h.score(acct, 3);
    }
    var opened = h.clock.instant();
    h.signals.addOutcome(Outcome.newBuilder().setEventId("o1").setAccountId("a").setType(OutcomeType.OUTCOME_TYPE_CHURNED)
        .setOccurredAt(Times.toTimestamp(opened.plus(Duration.ofDays(10)))).build());
    h.signals.addOutcome(Outcome.newBuilder().setEventId("o2").setAccountId("b").setType(OutcomeType.OUTCOME_TYPE_RENEWED)
        .setOccurredAt(Times.toTimestamp(opened.plus(Duration.ofDays(20)))).build());
    h.signals.addOutcome(Outcome.newBuilder().setEventId("o3").setAccountId("c").setType(OutcomeType.OUTCOME_TYPE_CHURNED)
        .setOccurredAt(Times.toTimestamp(opened.minus(Duration.ofDays(1)))).build());
    h.signalsChanged("a", ChangeKind.CHANGE_KIND_OUTCOME);
    h.signalsChanged("b", ChangeKind.CHANGE_KIND_OUTCOME);
    h.signalsChanged("c", ChangeKind.CHANGE_KIND_OUTCOME);
    h.signalsChanged("a", ChangeKind.CHANGE_KIND_OUTCOME);

    Alert a = alerts(ListAlertsRequest.newBuilder().setAccountId("a").build()).get(0);
    assertEquals(AlertVerdict.ALERT_VERDICT_TRUE_POSITIVE, a.getVerdict());
    assertEquals(10.0, a.getLeadTimeDays(), 1e-9);
    assertEquals(AlertVerdict.ALERT_VERDICT_FALSE_POSITIVE,
        alerts(ListAlertsRequest.newBuilder().setAccountId("b").build()).get(0).getVerdict());
    assertEquals(AlertVerdict.ALERT_VERDICT_UNSPECIFIED,
        alerts(ListAlertsRequest.newBuilder().setAccountId("c").build()).get(0).getVerdict(),
        "an outcome before the alert says nothing about it");

    RuleQuality q = h.stub.getRuleQuality(GetRuleQualityRequest.newBuilder().setRuleId("red").build()).getRules(0);
    assertEquals(3, q.getAlerts());
    assertEquals(1, q.getTruePositives());
    assertEquals(1, q.getFalsePositives());
    assertEquals(1, q.getPending());
    assertEquals(0.5, q.getPrecision(), 1e-9);
    assertEquals(10.0, q.getMeanLeadTimeDays(), 1e-9);
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub.getRuleQuality(GetRuleQualityRequest.newBuilder().setRuleId("nope").build())));

    putRule("rule_id: quiet\ncondition: {threshold: {threshold: 1}}");
    List<RuleQuality> all = h.stub.getRuleQuality(GetRuleQualityRequest.getDefaultInstance()).getRulesList();
    assertEquals(List.of("quiet", "red"), all.stream().map(RuleQuality::getRuleId).toList());
    assertFalse(all.get(0).hasPrecision(), "no verdicts, no precision");

    String metrics = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.server.server().metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(metrics.lines().anyMatch(l -> l.startsWith("healthscore_alerting_rule_precision{")
        && l.contains("rule_id=\"red\"") && l.endsWith(" 0.5")), metrics);
  }

  @Test
  void channelAndDeliveryRpcsAreServed() {
    assertEquals(List.of("ops"), h.stub.listChannels(ListChannelsRequest.getDefaultInstance()).getChannelsList()
        .stream().map(Channel::getChannelId).toList());
    assertTrue(h.stub.testChannel(TestChannelRequest.newBuilder().setChannelId("ops").build()).getDelivered());
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub.testChannel(TestChannelRequest.newBuilder().setChannelId("nope").build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> h.stub.putChannel(PutChannelRequest.getDefaultInstance())));
    assertEquals(0, h.stub.listDeliveries(ListDeliveriesRequest.newBuilder().setState(DeliveryState.DELIVERY_STATE_DEAD)
        .build()).getDeliveriesCount());
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> h.stub.retryDelivery(RetryDeliveryRequest.newBuilder().setDeliveryId("nope").build())));
  }
}
