package io.healthscore.alerting.rule;

import io.healthscore.runtime.error.Violations;
import io.healthscore.v1.AllOfCondition;
import io.healthscore.v1.AnyOfCondition;
import io.healthscore.v1.Band;
import io.healthscore.v1.Condition;
import io.healthscore.v1.PlaybookStep;
import io.healthscore.v1.Rule;
import io.healthscore.v1.RuleScope;
import io.healthscore.v1.SignalCondition;
import io.healthscore.v1.SignalConditionKind;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Checks a rule and names every problem at once, each with its path in the request
 * ("rule.condition.all_of.conditions[1].score_drop.within_days"), so an author fixes a rule in one
 * round trip.
 */
public final class RuleValidator {
  static final Pattern ID = Pattern.compile("[a-z0-9_-]{1,64}");
  private static final Pattern METRIC = Pattern.compile("[a-z0-9_.]{1,128}");
  /** Deeper trees are a mistake, and the limit keeps evaluation and validation off the stack's edge. */
  static final int MAX_DEPTH = 8;

  private final Predicate<String> channelExists;

  /** {@code channelExists} says whether a playbook may name a channel. */
  public RuleValidator(Predicate<String> channelExists) {
    this.channelExists = channelExists;
  }

  /** Throws InvalidArgumentException listing every violation, prefixed by {@code path} (e.g. "rule"). */
  public void check(Rule rule, String path) {
    Violations v = new Violations();
    validate(rule, path, v);
    v.throwIfAny("invalid rule");
  }

  /** Adds the rule's violations to {@code v}. */
  public void validate(Rule rule, String path, Violations v) {
    v.check(ID.matcher(rule.getRuleId()).matches(), path + ".rule_id", "must be 1 to 64 characters of [a-z0-9_-]");
    v.check(rule.getName().length() <= 200, path + ".name", "must be at most 200 characters");
    v.check(rule.getDescription().length() <= 2000, path + ".description", "must be at most 2000 characters");
    v.check(rule.getSeverityValue() >= 0 && rule.getSeverityValue() <= 3, path + ".severity", "is not a known severity");
    v.check(
        Double.isFinite(rule.getCooldownHours()) && rule.getCooldownHours() >= 0 && rule.getCooldownHours() <= 8760,
        path + ".cooldown_hours",
        "must be between 0 and 8760");
    if (rule.hasScope()) {
      validateScope(rule.getScope(), path + ".scope", v);
    }
    if (v.check(rule.hasCondition(), path + ".condition", "is required")) {
      validateCondition(rule.getCondition(), path + ".condition", 1, v);
    }
    if (rule.getCondition().hasRecalibrationDue()) {
      v.check(!rule.hasScope() || rule.getScope().equals(RuleScope.getDefaultInstance()), path + ".scope",
          "must be empty: a recalibration_due rule watches the learned model, not accounts");
    }
    for (int i = 0; i < rule.getPlaybookCount(); i++) {
      validateStep(rule.getPlaybook(i), path + ".playbook[" + i + "]", v);
    }
  }

  private static void validateScope(RuleScope scope, String path, Violations v) {
    v.check(Double.isFinite(scope.getMinMrr()) && scope.getMinMrr() >= 0, path + ".min_mrr", "must be 0 or more");
    for (int i = 0; i < scope.getScorecardIdsCount(); i++) {
      v.check(
          ID.matcher(scope.getScorecardIds(i)).matches(),
          path + ".scorecard_ids[" + i + "]",
          "must be 1 to 64 characters of [a-z0-9_-]");
    }
    checkNotBlank(scope.getSegmentsList(), path + ".segments", v);
    checkNotBlank(scope.getOwnersList(), path + ".owners", v);
  }

  private static void checkNotBlank(List<String> values, String path, Violations v) {
    for (int i = 0; i < values.size(); i++) {
      v.check(!values.get(i).isBlank(), path + "[" + i + "]", "must not be empty");
    }
  }

  private void validateCondition(Condition c, String path, int depth, Violations v) {
    if (!v.check(depth <= MAX_DEPTH, path, "nests deeper than " + MAX_DEPTH + " levels")) {
      return;
    }
    switch (c.getKindCase()) {
      case BAND_TRANSITION -> {
        String p = path + ".band_transition";
        v.check(c.getBandTransition().getToCount() > 0, p + ".to", "needs at least one band");
        checkBands(c.getBandTransition().getFromList(), p + ".from", v);
        checkBands(c.getBandTransition().getToList(), p + ".to", v);
      }
      case SCORE_DROP -> {
        String p = path + ".score_drop";
        double points = c.getScoreDrop().getPoints();
        v.check(Double.isFinite(points) && points > 0 && points <= 9, p + ".points", "must be above 0 and at most 9");
        int days = c.getScoreDrop().getWithinDays();
        v.check(days >= 1 && days <= 365, p + ".within_days", "must be between 1 and 365");
      }
      case THRESHOLD -> {
        String p = path + ".threshold";
        double t = c.getThreshold().getThreshold();
        v.check(Double.isFinite(t) && t >= 1 && t <= 10, p + ".threshold", "must be between 1 and 10");
        double h = c.getThreshold().getHysteresis();
        v.check(Double.isFinite(h) && h >= 0 && h <= 9, p + ".hysteresis", "must be between 0 and 9");
        v.check(c.getThreshold().getDirectionValue() >= 0 && c.getThreshold().getDirectionValue() <= 2,
            p + ".direction", "is not a known direction");
      }
      case NEGATIVE_TREND -> {
        String p = path + ".negative_trend";
        int w = c.getNegativeTrend().getWindowDays();
        v.check(w == 30 || w == 60 || w == 90, p + ".window_days", "must be 30, 60 or 90");
        double drop = c.getNegativeTrend().getMinDrop();
        v.check(Double.isFinite(drop) && drop > 0 && drop <= 9, p + ".min_drop", "must be above 0 and at most 9");
      }
      case RENEWAL_RISK -> {
        String p = path + ".renewal_risk";
        int days = c.getRenewalRisk().getWithinDays();
        v.check(days >= 1 && days <= 730, p + ".within_days", "must be between 1 and 730");
        checkBands(c.getRenewalRisk().getBandsList(), p + ".bands", v);
      }
      case SIGNAL -> validateSignal(c.getSignal(), path + ".signal", v);
      case ALL_OF -> {
        AllOfCondition all = c.getAllOf();
        validateChildren(all.getConditionsList(), path + ".all_of.conditions", depth, v);
      }
      case ANY_OF -> {
        AnyOfCondition any = c.getAnyOf();
        validateChildren(any.getConditionsList(), path + ".any_of.conditions", depth, v);
      }
      case RECALIBRATION_DUE -> v.check(depth == 1, path + ".recalibration_due",
          "must be the whole condition of its rule: it watches the learned model, not accounts");
      case KIND_NOT_SET -> v.add(path, "must set exactly one kind of condition");
    }
  }

  private void validateChildren(List<Condition> children, String path, int depth, Violations v) {
    v.check(!children.isEmpty(), path, "needs at least one condition");
    for (int i = 0; i < children.size(); i++) {
      validateCondition(children.get(i), path + "[" + i + "]", depth + 1, v);
    }
  }

  private static void validateSignal(SignalCondition s, String p, Violations v) {
    v.check(
        s.getKind() != SignalConditionKind.SIGNAL_CONDITION_KIND_UNSPECIFIED
            && s.getKind() != SignalConditionKind.UNRECOGNIZED,
        p + ".kind",
        "must name a signal condition");
    v.check(s.getDays() >= 0 && s.getDays() <= 3650, p + ".days", "must be between 0 (default 30) and 3650");
    v.check(s.getMetric().isEmpty() || METRIC.matcher(s.getMetric()).matches(), p + ".metric",
        "must be 1 to 128 characters of [a-z0-9_.]");
  }

  private static void checkBands(List<Band> bands, String path, Violations v) {
    for (int i = 0; i < bands.size(); i++) {
      Band b = bands.get(i);
      v.check(b != Band.BAND_UNSPECIFIED && b != Band.UNRECOGNIZED, path + "[" + i + "]", "must be RED, YELLOW or GREEN");
    }
  }

  private void validateStep(PlaybookStep step, String path, Violations v) {
    switch (step.getActionCase()) {
      case NOTIFY -> checkChannel(step.getNotify().getChannelId(), path + ".notify.channel_id", v);
      case CREATE_TASK -> {
        String p = path + ".create_task";
        v.check(!step.getCreateTask().getTitle().isBlank(), p + ".title", "is required");
        v.check(step.getCreateTask().getTitle().length() <= 200, p + ".title", "must be at most 200 characters");
        int due = step.getCreateTask().getDueInDays();
        v.check(due >= 0 && due <= 365, p + ".due_in_days", "must be between 0 and 365");
      }
      case ESCALATE -> {
        String p = path + ".escalate";
        checkChannel(step.getEscalate().getChannelId(), p + ".channel_id", v);
        double h = step.getEscalate().getAfterHours();
        v.check(Double.isFinite(h) && h > 0 && h <= 8760, p + ".after_hours", "must be above 0 and at most 8760");
      }
      case ACTION_NOT_SET -> v.add(path, "must set exactly one action");
    }
  }

  private void checkChannel(String channelId, String path, Violations v) {
    if (v.check(!channelId.isEmpty(), path, "is required")) {
      v.check(channelExists.test(channelId), path, "names no known channel");
    }
  }
}
