package io.healthscore.alerting.engine;

import io.healthscore.alerting.support.Times;
import io.healthscore.v1.Account;
import io.healthscore.v1.Band;
import io.healthscore.v1.BandTransitionCondition;
import io.healthscore.v1.Condition;
import io.healthscore.v1.CrossingDirection;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.NegativeTrendCondition;
import io.healthscore.v1.RenewalRiskCondition;
import io.healthscore.v1.Rule;
import io.healthscore.v1.RuleScope;
import io.healthscore.v1.ScoreDropCondition;
import io.healthscore.v1.SignalCondition;
import io.healthscore.v1.ThresholdCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Decides whether a rule's condition holds for an account. Pure: everything it reads comes from the
 * {@link EvaluationContext}, so the same rule gives the same answer in tests and in production.
 *
 * <p>{@code active} says whether the rule already has an open alert on the account; threshold
 * conditions use it for hysteresis (fire past the threshold, clear only once back past it by the
 * margin), which keeps a score wobbling around a threshold from opening and closing alerts.
 */
public final class RuleEvaluator {
  /** Threshold margin when a rule leaves it at 0 (proto3 cannot tell unset from 0). */
  public static final double DEFAULT_HYSTERESIS = 0.5;
  /** Window of signal conditions when a rule leaves it at 0. */
  public static final int DEFAULT_SIGNAL_DAYS = 30;
  private static final Set<String> ABSENT_LABELS = Set.of("lost", "none");

  /** Whether the rule watches the learned churn model rather than accounts. */
  public static boolean watchesModel(Rule rule) {
    return rule.getCondition().hasRecalibrationDue();
  }

  /**
   * Whether the rule's condition reads the account's score. One that does not (signal conditions
   * only) holds or not whatever the score, so a score change cannot open or clear its alert.
   */
  public static boolean readsScore(Rule rule) {
    return readsScore(rule.getCondition());
  }

  private static boolean readsScore(Condition c) {
    return switch (c.getKindCase()) {
      case BAND_TRANSITION, SCORE_DROP, THRESHOLD, NEGATIVE_TREND, RENEWAL_RISK -> true;
      case ALL_OF -> c.getAllOf().getConditionsList().stream().anyMatch(RuleEvaluator::readsScore);
      case ANY_OF -> c.getAnyOf().getConditionsList().stream().anyMatch(RuleEvaluator::readsScore);
      case SIGNAL, RECALIBRATION_DUE, KIND_NOT_SET -> false;
    };
  }

  /** Whether the rule watches this account at all (segment, owner, minimum MRR). */
  public boolean inScope(RuleScope scope, EvaluationContext ctx) {
    boolean needsAccount =
        scope.getSegmentsCount() > 0 || scope.getOwnersCount() > 0 || scope.getMinMrr() > 0;
    if (!needsAccount) {
      return true;
    }
    Optional<Account> account = ctx.account();
    if (account.isEmpty()) {
      return false;
    }
    Account a = account.get();
    return (scope.getSegmentsCount() == 0 || scope.getSegmentsList().contains(a.getSegment()))
        && (scope.getOwnersCount() == 0 || scope.getOwnersList().contains(a.getOwner()))
        && a.getMrr() >= scope.getMinMrr();
  }

  /** Whether the rule's condition holds, checked against each score the rule watches. */
  public Evaluation evaluate(Rule rule, EvaluationContext ctx, boolean active) {
    if (!inScope(rule.getScope(), ctx)) {
      return Evaluation.clear("account out of the rule's scope");
    }
    List<HealthScore> candidates = candidateScores(rule.getScope(), ctx);
    String lastReason = "condition does not hold";
    if (candidates.isEmpty()) {
      Optional<String> reason = holds(rule.getCondition(), ctx, null, active);
      return reason.map(r -> new Evaluation(true, r, Optional.<HealthScore>empty()))
          .orElseGet(() -> Evaluation.clear("condition does not hold"));
    }
    for (HealthScore score : candidates) {
      Optional<String> reason = holds(rule.getCondition(), ctx, score, active);
      if (reason.isPresent()) {
        return new Evaluation(true, reason.get(), Optional.of(score));
      }
      lastReason = "condition does not hold on scorecard " + score.getScorecardId();
    }
    return Evaluation.clear(lastReason);
  }

  /** The scorecards named by the scope, else the primary scores, else every score. */
  private static List<HealthScore> candidateScores(RuleScope scope, EvaluationContext ctx) {
    List<HealthScore> all = ctx.scores().stream().map(ScoreState::score).toList();
    if (scope.getScorecardIdsCount() > 0) {
      return all.stream().filter(s -> scope.getScorecardIdsList().contains(s.getScorecardId())).toList();
    }
    List<HealthScore> primary = all.stream().filter(HealthScore::getPrimary).toList();
    return primary.isEmpty() ? all : primary;
  }

  private Optional<String> holds(Condition c, EvaluationContext ctx, HealthScore score, boolean active) {
    return switch (c.getKindCase()) {
      case BAND_TRANSITION -> score == null ? Optional.empty() : bandTransition(c.getBandTransition(), ctx, score);
      case SCORE_DROP -> score == null ? Optional.empty() : scoreDrop(c.getScoreDrop(), ctx, score);
      case THRESHOLD -> score == null ? Optional.empty() : threshold(c.getThreshold(), score, active);
      case NEGATIVE_TREND -> score == null ? Optional.empty() : negativeTrend(c.getNegativeTrend(), ctx, score);
      case RENEWAL_RISK -> score == null ? Optional.empty() : renewalRisk(c.getRenewalRisk(), ctx, score);
      case SIGNAL -> signal(c.getSignal(), ctx);
      case ALL_OF -> {
        List<String> reasons = new ArrayList<>();
        for (Condition child : c.getAllOf().getConditionsList()) {
          Optional<String> r = holds(child, ctx, score, active);
          if (r.isEmpty()) {
            yield Optional.empty();
          }
          reasons.add(r.get());
        }
        yield reasons.isEmpty() ? Optional.empty() : Optional.of(String.join(" and ", reasons));
      }
      case ANY_OF -> {
        for (Condition child : c.getAnyOf().getConditionsList()) {
          Optional<String> r = holds(child, ctx, score, active);
          if (r.isPresent()) {
            yield r;
          }
        }
        yield Optional.empty();
      }
      // Judged on the model's health (AlertLifecycle.reconcileModel), never on an account.
      case RECALIBRATION_DUE, KIND_NOT_SET -> Optional.empty();
    };
  }

  private static Optional<String> bandTransition(
      BandTransitionCondition c, EvaluationContext ctx, HealthScore score) {
    if (!c.getToList().contains(score.getBand())) {
      return Optional.empty();
    }
    Band before =
        ctx.scores().stream()
            .filter(s -> s.score().getScorecardId().equals(score.getScorecardId()))
            .map(ScoreState::bandBefore)
            .findFirst()
            .orElse(Band.BAND_UNSPECIFIED);
    if (c.getFromCount() > 0 && !c.getFromList().contains(before)) {
      return Optional.empty();
    }
    return Optional.of(
        "band moved from " + bandName(before) + " to " + bandName(score.getBand()) + scorecardSuffix(score));
  }

  private static Optional<String> scoreDrop(ScoreDropCondition c, EvaluationContext ctx, HealthScore score) {
    Instant since = ctx.now().minus(Duration.ofDays(c.getWithinDays()));
    OptionalDouble max = ctx.maxScoreSince(score.getScorecardId(), since);
    if (max.isEmpty() || max.getAsDouble() - score.getScore() < c.getPoints()) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(Locale.ROOT, "score fell %.1f points from %.1f to %.1f within %d days%s",
            max.getAsDouble() - score.getScore(), max.getAsDouble(), score.getScore(), c.getWithinDays(),
            scorecardSuffix(score)));
  }

  private static Optional<String> threshold(ThresholdCondition c, HealthScore score, boolean active) {
    double margin = c.getHysteresis() > 0 ? c.getHysteresis() : DEFAULT_HYSTERESIS;
    double s = score.getScore();
    boolean above = c.getDirection() == CrossingDirection.CROSSING_DIRECTION_ABOVE;
    boolean fires;
    if (above) {
      fires = active ? s > c.getThreshold() - margin : s > c.getThreshold();
    } else {
      fires = active ? s < c.getThreshold() + margin : s < c.getThreshold();
    }
    if (!fires) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "score %.1f %s threshold %.1f%s",
        s, above ? "above" : "below", c.getThreshold(), scorecardSuffix(score)));
  }

  private static Optional<String> negativeTrend(
      NegativeTrendCondition c, EvaluationContext ctx, HealthScore score) {
    OptionalDouble delta = switch (c.getWindowDays()) {
      case 30 -> score.getTrend().hasDelta30D()
          ? OptionalDouble.of(score.getTrend().getDelta30D()) : OptionalDouble.empty();
      case 90 -> score.getTrend().hasDelta90D()
          ? OptionalDouble.of(score.getTrend().getDelta90D()) : OptionalDouble.empty();
      default -> {
        OptionalDouble then = ctx.scoreAt(score.getScorecardId(), ctx.now().minus(Duration.ofDays(c.getWindowDays())));
        yield then.isPresent() ? OptionalDouble.of(score.getScore() - then.getAsDouble()) : OptionalDouble.empty();
      }
    };
    if (delta.isEmpty() || -delta.getAsDouble() < c.getMinDrop()) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "score trend %.1f over %d days%s",
        delta.getAsDouble(), c.getWindowDays(), scorecardSuffix(score)));
  }

  private static Optional<String> renewalRisk(RenewalRiskCondition c, EvaluationContext ctx, HealthScore score) {
    List<Band> bands = c.getBandsCount() > 0 ? c.getBandsList() : List.of(Band.BAND_RED, Band.BAND_YELLOW);
    if (!bands.contains(score.getBand())) {
      return Optional.empty();
    }
    Optional<Account> account = ctx.account();
    if (account.isEmpty() || !account.get().hasRenewalDate()) {
      return Optional.empty();
    }
    Instant renewal = Times.toInstant(account.get().getRenewalDate());
    double days = Duration.between(ctx.now(), renewal).toMinutes() / (24.0 * 60);
    if (days < 0 || days > c.getWithinDays()) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "renewal in %.0f days while %s%s",
        Math.ceil(days), bandName(score.getBand()), scorecardSuffix(score)));
  }

  private static Optional<String> signal(SignalCondition c, EvaluationContext ctx) {
    int days = c.getDays() > 0 ? c.getDays() : DEFAULT_SIGNAL_DAYS;
    Optional<GetFeaturesResponse> features = ctx.features();
    if (features.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Double> f = features.get().getFeaturesMap();
    Map<String, String> labels = features.get().getLabelsMap();
    String metric = signalMetric(c);
    return switch (c.getKind()) {
      case SIGNAL_CONDITION_KIND_PAYMENT_FAILED -> recentEvent(f, metric, days, "payment failed");
      case SIGNAL_CONDITION_KIND_PAYMENT_LATE -> recentEvent(f, metric, days, "payment late");
      case SIGNAL_CONDITION_KIND_NPS_DETRACTOR -> npsDetractor(f, labels, metric);
      case SIGNAL_CONDITION_KIND_CHAMPION_LOST -> absentPerson(labels, metric, "champion");
      case SIGNAL_CONDITION_KIND_SPONSOR_LOST -> absentPerson(labels, metric, "executive sponsor");
      case SIGNAL_CONDITION_KIND_NO_ACTIVITY -> noActivity(f, metric, days, ctx);
      case SIGNAL_CONDITION_KIND_UNSPECIFIED, UNRECOGNIZED -> Optional.empty();
    };
  }

  /**
   * The metric a signal condition reads: its {@code metric}, else its kind's own; empty for "no
   * activity" without a metric, which reads every metric.
   */
  static String signalMetric(SignalCondition c) {
    if (!c.getMetric().isEmpty()) {
      return c.getMetric();
    }
    return switch (c.getKind()) {
      case SIGNAL_CONDITION_KIND_PAYMENT_FAILED -> "billing.payment_failed";
      case SIGNAL_CONDITION_KIND_PAYMENT_LATE -> "billing.payment_late";
      case SIGNAL_CONDITION_KIND_NPS_DETRACTOR -> "survey.nps";
      case SIGNAL_CONDITION_KIND_CHAMPION_LOST -> "csm.champion";
      case SIGNAL_CONDITION_KIND_SPONSOR_LOST -> "csm.executive_sponsor";
      case SIGNAL_CONDITION_KIND_NO_ACTIVITY, SIGNAL_CONDITION_KIND_UNSPECIFIED, UNRECOGNIZED -> "";
    };
  }

  private static Optional<String> recentEvent(Map<String, Double> f, String metric, int days, String what) {
    Double since = f.get(metric + ".days_since_last");
    if (since == null || since > days) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "%s %.0f days ago", what, since));
  }

  private static Optional<String> npsDetractor(Map<String, Double> f, Map<String, String> labels, String metric) {
    OptionalDouble last = lastValue(f, labels, metric);
    if (last.isEmpty() || last.getAsDouble() > 6) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "NPS detractor (last answer %.0f)", last.getAsDouble()));
  }

  /** The metric's last numeric value: the "<metric>.last" feature, else its last label read as a number. */
  private static OptionalDouble lastValue(Map<String, Double> f, Map<String, String> labels, String metric) {
    Double last = f.get(metric + ".last");
    if (last != null) {
      return OptionalDouble.of(last);
    }
    String label = labels.get(metric);
    if (label == null) {
      return OptionalDouble.empty();
    }
    try {
      return OptionalDouble.of(Double.parseDouble(label.trim()));
    } catch (NumberFormatException e) {
      return OptionalDouble.empty();
    }
  }

  private static Optional<String> absentPerson(Map<String, String> labels, String metric, String who) {
    String label = labels.get(metric);
    if (label == null || !ABSENT_LABELS.contains(label.trim().toLowerCase(Locale.ROOT))) {
      return Optional.empty();
    }
    return Optional.of(who + " " + label.trim().toLowerCase(Locale.ROOT));
  }

  /**
   * No signal of the metric (of any metric when none is named) for at least {@code days}. With no
   * such signal on record the account itself must be at least {@code days} old: a new account has
   * simply not sent anything yet, and alerting on it would page on every onboarding and backfill.
   */
  private static Optional<String> noActivity(Map<String, Double> f, String metric, int days, EvaluationContext ctx) {
    OptionalDouble since;
    if (!metric.isEmpty()) {
      Double d = f.get(metric + ".days_since_last");
      since = d == null ? OptionalDouble.empty() : OptionalDouble.of(d);
    } else {
      since = f.entrySet().stream()
          .filter(e -> e.getKey().endsWith(".days_since_last") && !e.getKey().startsWith("account."))
          .mapToDouble(Map.Entry::getValue)
          .min();
    }
    String what = metric.isEmpty() ? "no activity" : "no " + metric;
    if (since.isPresent()) {
      return since.getAsDouble() < days
          ? Optional.empty()
          : Optional.of(String.format(Locale.ROOT, "%s for %.0f days", what, since.getAsDouble()));
    }
    Optional<Account> account = ctx.account();
    if (account.isEmpty()) {
      return Optional.empty();
    }
    Account a = account.get();
    // Silence counts from the later of creation and contract start; unknown age never counts as silent.
    boolean fromContract = a.hasContractStart()
        && (!a.hasCreateTime() || Times.toInstant(a.getContractStart()).isAfter(Times.toInstant(a.getCreateTime())));
    if (!fromContract && !a.hasCreateTime()) {
      return Optional.empty();
    }
    Instant start = Times.toInstant(fromContract ? a.getContractStart() : a.getCreateTime());
    double ageDays = Duration.between(start, ctx.now()).toMinutes() / (24.0 * 60);
    if (ageDays < days) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "%s on record in the %.0f days since the %s",
        what, Math.floor(ageDays), fromContract ? "contract started" : "account was created"));
  }

  private static String bandName(Band band) {
    return band == Band.BAND_UNSPECIFIED ? "none" : band.name().substring("BAND_".length()).toLowerCase(Locale.ROOT);
  }

  private static String scorecardSuffix(HealthScore score) {
    return score.getScorecardId().isEmpty() ? "" : " (scorecard " + score.getScorecardId() + ")";
  }
}
