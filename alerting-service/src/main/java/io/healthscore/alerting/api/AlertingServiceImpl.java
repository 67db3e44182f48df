package io.healthscore.alerting.api;

import io.grpc.stub.StreamObserver;
import io.healthscore.alerting.alert.AlertFilter;
import io.healthscore.alerting.alert.AlertLifecycle;
import io.healthscore.alerting.alert.AlertStore;
import io.healthscore.alerting.alert.AlertTransactions;
import io.healthscore.alerting.dispatch.DeliveryApi;
import io.healthscore.alerting.playbook.TaskStore;
import io.healthscore.alerting.quality.RuleQualityGauges;
import io.healthscore.alerting.quality.RuleQualityReport;
import io.healthscore.alerting.rule.RuleStore;
import io.healthscore.alerting.rule.RuleValidator;
import io.healthscore.alerting.support.Times;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.DatabaseException;
import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.runtime.error.Violations;
import io.healthscore.v1.AcknowledgeAlertRequest;
import io.healthscore.v1.AcknowledgeAlertResponse;
import io.healthscore.v1.AlertState;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.CompleteTaskRequest;
import io.healthscore.v1.CompleteTaskResponse;
import io.healthscore.v1.DeleteRuleRequest;
import io.healthscore.v1.DeleteRuleResponse;
import io.healthscore.v1.GetRuleQualityRequest;
import io.healthscore.v1.GetRuleQualityResponse;
import io.healthscore.v1.GetRuleRequest;
import io.healthscore.v1.GetRuleResponse;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ListAlertsResponse;
import io.healthscore.v1.ListChannelsRequest;
import io.healthscore.v1.ListChannelsResponse;
import io.healthscore.v1.ListDeliveriesRequest;
import io.healthscore.v1.ListDeliveriesResponse;
import io.healthscore.v1.ListRulesRequest;
import io.healthscore.v1.ListRulesResponse;
import io.healthscore.v1.ListTasksRequest;
import io.healthscore.v1.ListTasksResponse;
import io.healthscore.v1.PutChannelRequest;
import io.healthscore.v1.PutChannelResponse;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.PutRuleResponse;
import io.healthscore.v1.ResolveAlertRequest;
import io.healthscore.v1.ResolveAlertResponse;
import io.healthscore.v1.RetryDeliveryRequest;
import io.healthscore.v1.RetryDeliveryResponse;
import io.healthscore.v1.Rule;
import io.healthscore.v1.RuleQuality;
import io.healthscore.v1.Severity;
import io.healthscore.v1.SubscribeAlertsRequest;
import io.healthscore.v1.SubscribeAlertsResponse;
import io.healthscore.v1.Task;
import io.healthscore.v1.TaskState;
import io.healthscore.v1.TestChannelRequest;
import io.healthscore.v1.TestChannelResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The AlertingService RPCs. Rules, alerts, tasks and quality are handled here; channels, the alert
 * stream and deliveries are the delivery module's ({@link DeliveryApi}). Handlers throw
 * ApiExceptions; the server's error mapping turns them into statuses with field violations.
 */
public final class AlertingServiceImpl extends AlertingServiceGrpc.AlertingServiceImplBase {
  static final int DEFAULT_PAGE_SIZE = 100;
  static final int MAX_PAGE_SIZE = 1000;
  /** The width of the acknowledged_by and resolved_by columns. */
  static final int MAX_ACTOR_LENGTH = 256;
  /** Notes of acknowledge, resolve and complete: a few paragraphs, not a document store. */
  static final int MAX_NOTE_LENGTH = 4000;

  private final Database database;
  private final RuleStore rules;
  private final RuleValidator validator;
  private final AlertStore alerts;
  private final AlertLifecycle lifecycle;
  private final TaskStore tasks;
  private final RuleQualityReport quality;
  private final RuleQualityGauges qualityGauges;
  private final AlertTransactions transactions;
  private final DeliveryApi delivery;
  private final Clock clock;

  public AlertingServiceImpl(Database database, RuleStore rules, RuleValidator validator, AlertStore alerts,
      AlertLifecycle lifecycle, TaskStore tasks, RuleQualityReport quality, RuleQualityGauges qualityGauges,
      AlertTransactions transactions, DeliveryApi delivery, Clock clock) {
    this.database = database;
    this.rules = rules;
    this.validator = validator;
    this.alerts = alerts;
    this.lifecycle = lifecycle;
    this.tasks = tasks;
    this.quality = quality;
    this.qualityGauges = qualityGauges;
    this.transactions = transactions;
    this.delivery = delivery;
    this.clock = clock;
  }

  @Override
  public void putRule(PutRuleRequest request, StreamObserver<PutRuleResponse> out) {
    if (!request.hasRule()) {
      throw InvalidArgumentException.forField("rule", "is required");
    }
    validator.check(request.getRule(), "rule");
    Rule stored = rules.put(request.getRule());
    reply(out, PutRuleResponse.newBuilder().setRule(stored).build());
  }

  @Override
  public void getRule(GetRuleRequest request, StreamObserver<GetRuleResponse> out) {
    requireId(request.getRuleId(), "rule_id");
    Rule rule = rules.get(request.getRuleId())
        .orElseThrow(() -> new NotFoundException("rule " + request.getRuleId() + " does not exist"));
    reply(out, GetRuleResponse.newBuilder().setRule(rule).build());
  }

  @Override
  public void listRules(ListRulesRequest request, StreamObserver<ListRulesResponse> out) {
    reply(out, ListRulesResponse.newBuilder().addAllRules(rules.list()).build());
  }

  @Override
  public void deleteRule(DeleteRuleRequest request, StreamObserver<DeleteRuleResponse> out) {
    requireId(request.getRuleId(), "rule_id");
    int resolved = transactions.run(tx -> {
      Rule rule = rules.get(tx.connection(), request.getRuleId())
          .orElseThrow(() -> new NotFoundException("rule " + request.getRuleId() + " does not exist"));
      int n = lifecycle.resolveAllOf(tx, rule, "rule " + rule.getRuleId() + " deleted");
      rules.delete(tx.connection(), rule.getRuleId());
      return n;
    });
    reply(out, DeleteRuleResponse.newBuilder().setResolvedAlerts(resolved).build());
  }

  @Override
  public void listAlerts(ListAlertsRequest request, StreamObserver<ListAlertsResponse> out) {
    Violations v = new Violations();
    int pageSize = pageSize(request.getPageSize(), v);
    Set<AlertState> states = EnumSet.noneOf(AlertState.class);
    for (int i = 0; i < request.getStatesCount(); i++) {
      AlertState s = request.getStates(i);
      if (v.check(s != AlertState.ALERT_STATE_UNSPECIFIED && s != AlertState.UNRECOGNIZED,
          "states[" + i + "]", "must be OPEN, ACKNOWLEDGED or RESOLVED")) {
        states.add(s);
      }
    }
    v.check(request.getMinSeverity() != Severity.UNRECOGNIZED, "min_severity", "is not a known severity");
    v.throwIfAny("invalid alert query");
    AlertFilter filter = new AlertFilter(states, request.getAccountId(), request.getRuleId(),
        request.getMinSeverity(), request.getAssignee());
    AlertStore.Page page = database.read(c -> alerts.list(c, filter, pageSize, request.getPageToken()));
    reply(out, ListAlertsResponse.newBuilder()
        .addAllAlerts(page.alerts())
        .setNextPageToken(page.nextPageToken())
        .build());
  }

  @Override
  public void acknowledgeAlert(AcknowledgeAlertRequest request, StreamObserver<AcknowledgeAlertResponse> out) {
    checkAlertChange(request.getAlertId(), request.getNote(), request.getActor());
    var alert = transactions.run(tx -> lifecycle.acknowledge(tx, request.getAlertId(), request.getNote(),
        request.getActor(), id -> ruleOf(tx.connection(), id)));
    reply(out, AcknowledgeAlertResponse.newBuilder().setAlert(alert).build());
  }

  @Override
  public void resolveAlert(ResolveAlertRequest request, StreamObserver<ResolveAlertResponse> out) {
    checkAlertChange(request.getAlertId(), request.getNote(), request.getActor());
    var alert = transactions.run(tx -> lifecycle.resolve(tx, request.getAlertId(), request.getNote(),
        request.getActor(), id -> ruleOf(tx.connection(), id)));
    reply(out, ResolveAlertResponse.newBuilder().setAlert(alert).build());
  }

  private Optional<Rule> ruleOf(Connection c, String ruleId) {
    try {
      return rules.get(c, ruleId);
    } catch (SQLException e) {
      throw new DatabaseException("cannot read rule " + ruleId, e);
    }
  }

  @Override
  public void listTasks(ListTasksRequest request, StreamObserver<ListTasksResponse> out) {
    Violations v = new Violations();
    int pageSize = pageSize(request.getPageSize(), v);
    v.check(request.getState() != TaskState.UNRECOGNIZED, "state", "is not a known task state");
    v.throwIfAny("invalid task query");
    TaskStore.Page page = database.read(c -> tasks.list(
        c, request.getAssignee(), request.getState(), request.getAccountId(), pageSize, request.getPageToken()));
    reply(out, ListTasksResponse.newBuilder()
        .addAllTasks(page.tasks())
        .setNextPageToken(page.nextPageToken())
        .build());
  }

  @Override
  public void completeTask(CompleteTaskRequest request, StreamObserver<CompleteTaskResponse> out) {
    Violations v = new Violations();
    v.check(!request.getTaskId().isEmpty(), "task_id", "is required");
    checkNote(request.getNote(), v);
    v.throwIfAny("invalid task completion");
    Task done = database.inTransaction(c -> {
      Task task = tasks.getForUpdate(c, request.getTaskId())
          .orElseThrow(() -> new NotFoundException("task " + request.getTaskId() + " does not exist"));
      if (task.getState() == TaskState.TASK_STATE_DONE) {
        throw new FailedPreconditionException("task " + request.getTaskId() + " is already done");
      }
      Task completed = task.toBuilder()
          .setState(TaskState.TASK_STATE_DONE)
          .setCompleteTime(Times.toTimestamp(clock.millis()))
          .setNote(request.getNote())
          .build();
      tasks.complete(c, completed);
      return completed;
    });
    reply(out, CompleteTaskResponse.newBuilder().setTask(done).build());
  }

  @Override
  public void getRuleQuality(GetRuleQualityRequest request, StreamObserver<GetRuleQualityResponse> out) {
    List<String> known = rules.list().stream().map(Rule::getRuleId).toList();
    List<RuleQuality> report = quality.compute(known, request.getRuleId());
    if (!request.getRuleId().isEmpty() && report.isEmpty()) {
      throw new NotFoundException("rule " + request.getRuleId() + " does not exist and has no alerts");
    }
    if (request.getRuleId().isEmpty()) {
      qualityGauges.update(report);
    }
    reply(out, GetRuleQualityResponse.newBuilder().addAllRules(report).build());
  }

  @Override
  public void putChannel(PutChannelRequest request, StreamObserver<PutChannelResponse> out) {
    reply(out, delivery.putChannel(request));
  }

  @Override
  public void listChannels(ListChannelsRequest request, StreamObserver<ListChannelsResponse> out) {
    reply(out, delivery.listChannels(request));
  }

  @Override
  public void testChannel(TestChannelRequest request, StreamObserver<TestChannelResponse> out) {
    reply(out, delivery.testChannel(request));
  }

  @Override
  public void subscribeAlerts(SubscribeAlertsRequest request, StreamObserver<SubscribeAlertsResponse> out) {
    delivery.subscribeAlerts(request, out);
  }

  @Override
  public void listDeliveries(ListDeliveriesRequest request, StreamObserver<ListDeliveriesResponse> out) {
    reply(out, delivery.listDeliveries(request));
  }

  @Override
  public void retryDelivery(RetryDeliveryRequest request, StreamObserver<RetryDeliveryResponse> out) {
    reply(out, delivery.retryDelivery(request));
  }

  private static int pageSize(int requested, Violations v) {
    v.check(requested >= 0, "page_size", "must not be negative");
    if (requested <= 0) {
      return DEFAULT_PAGE_SIZE;
    }
    return Math.min(requested, MAX_PAGE_SIZE);
  }

  /** An acknowledge or resolve names the alert, with a note and an actor of bounded length. */
  private static void checkAlertChange(String alertId, String note, String actor) {
    Violations v = new Violations();
    v.check(!alertId.isEmpty(), "alert_id", "is required");
    checkNote(note, v);
    v.check(actor.length() <= MAX_ACTOR_LENGTH, "actor", "must be at most " + MAX_ACTOR_LENGTH + " characters");
    v.throwIfAny("invalid alert change");
  }

  private static void checkNote(String note, Violations v) {
    v.check(note.length() <= MAX_NOTE_LENGTH, "note", "must be at most " + MAX_NOTE_LENGTH + " characters");
  }

  private static void requireId(String id, String field) {
    if (id.isEmpty()) {
      throw InvalidArgumentException.forField(field, "is required");
    }
  }

  private static <T> void reply(StreamObserver<T> out, T response) {
    out.onNext(response);
    out.onCompleted();
  }
}
