package io.healthscore.alerting.alert;

import io.healthscore.alerting.engine.Evaluation;
import io.healthscore.alerting.engine.EvaluationContext;
import io.healthscore.alerting.engine.RuleEvaluator;
import io.healthscore.alerting.playbook.EscalationStore;
import io.healthscore.alerting.playbook.PlaybookRunner;
import io.healthscore.alerting.support.Times;
import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.AlertState;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.ModelHealth;
import io.healthscore.v1.Rule;
import io.healthscore.v1.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Function;

/**
 * An alert's life: opened when its rule's condition starts to hold (at most one unresolved alert per
 * rule and account, and not again within the rule's cooldown after the last one resolved),
 * acknowledged by a person, resolved by a person or when the condition clears (unless the rule keeps
 * it open), escalated by its playbook. Every change raises its event in the caller's transaction
 * ({@link AlertTransaction}), which appends it to the outbox before committing it with the alert row,
 * so the two can never disagree.
 */
public final class AlertLifecycle {
  /** Cooldown when a rule leaves cooldown_hours at 0. */
  public static final double DEFAULT_COOLDOWN_HOURS = 24;
  static final String SYSTEM_ACTOR = "system";

  private final AlertStore alerts;
  private final RuleEvaluator evaluator;
  private final PlaybookRunner playbooks;
  private final EscalationStore escalations;
  private final Clock clock;
  private final MeterRegistry registry;
  private final Counter suppressedByCooldown;

  public AlertLifecycle(AlertStore alerts, RuleEvaluator evaluator, PlaybookRunner playbooks,
      EscalationStore escalations, Clock clock, MeterRegistry registry) {
    this.alerts = alerts;
    this.evaluator = evaluator;
    this.playbooks = playbooks;
    this.escalations = escalations;
    this.clock = clock;
    this.registry = registry;
    this.suppressedByCooldown = Counter.builder("healthscore.alerting.alerts.suppressed")
        .description("Alerts not opened because their rule was cooling down on the account")
        .tag("reason", "cooldown")
        .register(registry);
  }

  /**
   * Evaluates every enabled rule on the account and opens or resolves alerts to match. Returns true
   * when an event was raised.
   */
  public boolean reconcile(AlertTransaction tx, List<Rule> rules, EvaluationContext ctx) throws SQLException {
    return reconcile(tx, rules, ctx, KeySnapshot.NONE);
  }

  /**
   * The same, taking what {@code known} read at the start of the transaction instead of reading
   * each key's alerts again (see {@link #snapshot}).
   */
  public boolean reconcile(AlertTransaction tx, List<Rule> rules, EvaluationContext ctx, KeySnapshot known)
      throws SQLException {
    boolean appended = false;
    for (Rule rule : rules) {
      if (evaluated(rule)) {
        String key = AlertStore.dedupKey(rule.getRuleId(), ctx.accountId());
        appended |= reconcile(tx, rule, ctx, key, known);
        known.forget(key);
      }
    }
    return appended;
  }

  /**
   * Reads, in a few statements, what {@link #reconcile} would read of each dedup key it evaluates
   * for these rules and accounts, for a batch to pass to it.
   */
  public KeySnapshot snapshot(Connection c, List<Rule> rules, Collection<String> accountIds) throws SQLException {
    List<String> keys = new ArrayList<>();
    for (Rule rule : rules) {
      if (evaluated(rule)) {
        accountIds.forEach(id -> keys.add(AlertStore.dedupKey(rule.getRuleId(), id)));
      }
    }
    return alerts.snapshot(c, keys);
  }

  private static boolean evaluated(Rule rule) {
    return !rule.getDisabled() && !RuleEvaluator.watchesModel(rule);
  }

  private boolean reconcile(AlertTransaction tx, Rule rule, EvaluationContext ctx, String key, KeySnapshot known)
      throws SQLException {
    Connection c = tx.connection();
    Optional<Alert> unresolved = known.knownWithoutUnresolved(key) ? Optional.empty() : alerts.findUnresolved(c, key);
    Evaluation evaluation = evaluator.evaluate(rule, ctx, unresolved.isPresent());
    if (evaluation.holds() && unresolved.isEmpty()) {
      OptionalLong lastResolved = known.knows(key) ? known.lastResolvedMs(key) : alerts.lastResolvedMs(c, key);
      if (coolingDown(rule, lastResolved)) {
        suppressedByCooldown.increment();
        return false;
      }
      open(tx, rule, ctx, evaluation);
      return true;
    }
    if (!evaluation.holds() && unresolved.isPresent() && !rule.getKeepOpenWhenCleared()) {
      resolve(tx, unresolved.get(), "condition cleared: " + evaluation.reason(), SYSTEM_ACTOR,
          PlaybookRunner.notifyChannels(rule));
      return true;
    }
    return false;
  }

  /**
   * Reconciles a rule that watches the learned model with its health as scoring-service reports it
   * (empty when no learned model is active): one alert per model, opened while that model is due
   * for recalibration, resolved once another model is active or it is no longer due. Returns true
   * when an event was appended.
   */
  public boolean reconcileModel(AlertTransaction tx, Rule rule, Optional<ModelHealth> health) throws SQLException {
    Connection c = tx.connection();
    Optional<ModelHealth> due = health.filter(ModelHealth::getRecalibrationDue);
    String key = due.map(h -> modelKey(rule, h.getModelId())).orElse(null);
    boolean appended = false;
    boolean open = false;
    for (Alert alert : alerts.unresolvedOfRule(c, rule.getRuleId())) {
      if (alert.getDedupKey().equals(key)) {
        open = true;
      } else if (!rule.getKeepOpenWhenCleared()) {
        resolve(tx, alert, "condition cleared: " + modelCleared(alert, health), SYSTEM_ACTOR,
            PlaybookRunner.notifyChannels(rule));
        appended = true;
      }
    }
    if (due.isEmpty() || open) {
      return appended;
    }
    if (coolingDown(rule, alerts.lastResolvedMs(c, key))) {
      suppressedByCooldown.increment();
      return appended;
    }
    ModelHealth h = due.get();
    String reason = "learned model " + h.getModelId() + " is due for recalibration: " + String.join("; ", h.getReasonsList());
    open(tx, rule, newAlert(rule, "", key, reason).build());
    return true;
  }

  private static String modelKey(Rule rule, String modelId) {
    return AlertStore.dedupKey(rule.getRuleId(), "model:" + modelId);
  }

  private static String modelCleared(Alert alert, Optional<ModelHealth> health) {
    if (health.isEmpty()) {
      return "no learned model is active";
    }
    String current = health.get().getModelId();
    return alert.getDedupKey().endsWith("/model:" + current)
        ? "learned model " + current + " is no longer due for recalibration"
        : "learned model " + current + " is active now";
  }

  private boolean coolingDown(Rule rule, OptionalLong lastResolved) {
    if (lastResolved.isEmpty()) {
      return false;
    }
    double hours = rule.getCooldownHours() > 0 ? rule.getCooldownHours() : DEFAULT_COOLDOWN_HOURS;
    long cooldownMs = (long) (hours * Duration.ofHours(1).toMillis());
    return clock.millis() < lastResolved.getAsLong() + cooldownMs;
  }

  private Alert.Builder newAlert(Rule rule, String accountId, String dedupKey, String reason) {
    return Alert.newBuilder()
        .setAlertId(UUID.randomUUID().toString())
        .setRuleId(rule.getRuleId())
        .setAccountId(accountId)
        .setSeverity(rule.getSeverity() == Severity.SEVERITY_UNSPECIFIED ? Severity.SEVERITY_WARNING : rule.getSeverity())
        .setState(AlertState.ALERT_STATE_OPEN)
        .setReason(truncate(reason, 2000))
        .setOpenedAt(Times.toTimestamp(clock.millis()))
        .setDedupKey(dedupKey)
        .setRuleVersion(rule.getVersion());
  }

  private void open(AlertTransaction tx, Rule rule, EvaluationContext ctx, Evaluation evaluation) throws SQLException {
    Alert.Builder alert = newAlert(rule, ctx.accountId(), AlertStore.dedupKey(rule.getRuleId(), ctx.accountId()),
        evaluation.reason())
        .setAssignee(ctx.account().map(Account::getOwner).orElse(""));
    if (evaluation.score().isPresent()) {
      HealthScore score = evaluation.score().get();
      alert.setScorecardId(score.getScorecardId()).setScore(score.getScore()).setBand(score.getBand());
    } else {
      ctx.scores().stream().filter(s -> s.score().getPrimary()).findFirst()
          .ifPresent(s -> alert.setBand(s.score().getBand()));
    }
    open(tx, rule, alert.build());
  }

  private void open(AlertTransaction tx, Rule rule, Alert opened) throws SQLException {
    alerts.insert(tx.connection(), opened);
    List<String> channels = playbooks.start(tx.connection(), rule, opened);
    raise(tx, opened, AlertEventKind.ALERT_EVENT_KIND_OPENED, "", channels);
    Counter.builder("healthscore.alerting.alerts.opened")
        .description("Alerts opened, by rule")
        .tag("rule_id", rule.getRuleId())
        .register(registry)
        .increment();
  }

  /** A person acknowledges: OPEN becomes ACKNOWLEDGED; acknowledging twice changes nothing. */
  public Alert acknowledge(AlertTransaction tx, String alertId, String note, String actor,
      Function<String, Optional<Rule>> rules) throws SQLException {
    Connection c = tx.connection();
    Alert alert = alerts.getForUpdate(c, alertId)
        .orElseThrow(() -> new NotFoundException("alert " + alertId + " does not exist"));
    if (alert.getState() == AlertState.ALERT_STATE_RESOLVED) {
      throw new FailedPreconditionException("alert " + alertId + " is resolved");
    }
    if (alert.getState() == AlertState.ALERT_STATE_ACKNOWLEDGED) {
      return alert;
    }
    Alert acknowledged = alert.toBuilder()
        .setState(AlertState.ALERT_STATE_ACKNOWLEDGED)
        .setAcknowledgedAt(Times.toTimestamp(clock.millis()))
        .setAcknowledgedBy(actor)
        .setNote(note)
        .build();
    alerts.update(c, acknowledged);
    escalations.cancelAll(c, alertId);
    raise(tx, acknowledged, AlertEventKind.ALERT_EVENT_KIND_ACKNOWLEDGED, "", channelsOf(alert, rules));
    return acknowledged;
  }

  /** A person resolves an open or acknowledged alert. */
  public Alert resolve(AlertTransaction tx, String alertId, String note, String actor,
      Function<String, Optional<Rule>> rules) throws SQLException {
    Alert alert = alerts.getForUpdate(tx.connection(), alertId)
        .orElseThrow(() -> new NotFoundException("alert " + alertId + " does not exist"));
    if (alert.getState() == AlertState.ALERT_STATE_RESOLVED) {
      throw new FailedPreconditionException("alert " + alertId + " is already resolved");
    }
    return resolve(tx, alert, note, actor, channelsOf(alert, rules));
  }

  /** Resolves every unresolved alert of a rule (the rule is being deleted); returns how many. */
  public int resolveAllOf(AlertTransaction tx, Rule rule, String note) throws SQLException {
    List<Alert> open = alerts.unresolvedOfRule(tx.connection(), rule.getRuleId());
    for (Alert alert : open) {
      resolve(tx, alert, note, SYSTEM_ACTOR, PlaybookRunner.notifyChannels(rule));
    }
    return open.size();
  }

  private Alert resolve(AlertTransaction tx, Alert alert, String note, String actor, List<String> channels)
      throws SQLException {
    Connection c = tx.connection();
    Alert resolved = alert.toBuilder()
        .setState(AlertState.ALERT_STATE_RESOLVED)
        .setResolvedAt(Times.toTimestamp(clock.millis()))
        .setResolvedBy(actor)
        .setNote(note)
        .build();
    alerts.update(c, resolved);
    escalations.cancelAll(c, alert.getAlertId());
    raise(tx, resolved, AlertEventKind.ALERT_EVENT_KIND_RESOLVED, "", channels);
    return resolved;
  }

  /**
   * The playbook's escalation step {@code stepIndex} is due: escalates the alert to the channel if
   * nobody acknowledged or resolved it. Returns true when it escalated.
   */
  public boolean escalate(AlertTransaction tx, String alertId, int stepIndex, String channelId) throws SQLException {
    Connection c = tx.connection();
    Optional<Alert> alert = alerts.getForUpdate(c, alertId);
    if (alert.isEmpty() || alert.get().getState() != AlertState.ALERT_STATE_OPEN) {
      return false;
    }
    Alert escalated = alert.get().toBuilder().setEscalated(true).build();
    alerts.update(c, escalated);
    raise(tx, escalated, AlertEventKind.ALERT_EVENT_KIND_ESCALATED, "/" + stepIndex, List.of(channelId));
    return true;
  }

  private static List<String> channelsOf(Alert alert, Function<String, Optional<Rule>> rules) {
    return rules.apply(alert.getRuleId()).map(PlaybookRunner::notifyChannels).orElse(List.of());
  }

  private void raise(AlertTransaction tx, Alert alert, AlertEventKind kind, String keySuffix, List<String> channels) {
    AlertEvent event = AlertEvent.newBuilder()
        .setAlert(alert)
        .setKind(kind)
        .setEventTime(Times.toTimestamp(clock.millis()))
        // One event of each kind per alert (escalations per step), so this names the event itself.
        .setIdempotencyKey(alert.getAlertId() + "/" + kind.name() + keySuffix)
        .build();
    tx.raise(event, channels);
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
