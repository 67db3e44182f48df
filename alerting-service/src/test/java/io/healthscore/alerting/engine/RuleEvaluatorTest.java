package io.healthscore.alerting.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.alerting.support.Times;
import io.healthscore.v1.Account;
import io.healthscore.v1.Band;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.Rule;
import io.healthscore.v1.Trend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RuleEvaluatorTest {
  private static final Instant NOW = Instant.parse("2026-03-02T09:00:00Z");
  private final RuleEvaluator evaluator = new RuleEvaluator();

  /** A context with exactly what the test sets. */
  private static final class Ctx implements EvaluationContext {
    final List<ScoreState> scores = new ArrayList<>();
    final TreeMap<Instant, Double> history = new TreeMap<>();
    Account account;
    GetFeaturesResponse features;

    @Override
    public String accountId() {
      return "acme";
    }

    @Override
    public Instant now() {
      return NOW;
    }

    @Override
    public List<ScoreState> scores() {
      return scores;
    }

    @Override
    public Optional<Account> account() {
      return Optional.ofNullable(account);
    }

    @Override
    public Optional<GetFeaturesResponse> features() {
      return Optional.ofNullable(features);
    }

    @Override
    public OptionalDouble maxScoreSince(String scorecardId, Instant since) {
      return history.tailMap(since, true).values().stream().mapToDouble(Double::doubleValue).max();
    }

    @Override
    public OptionalDouble scoreAt(String scorecardId, Instant at) {
      var e = history.floorEntry(at);
      return e == null ? OptionalDouble.empty() : OptionalDouble.of(e.getValue());
    }

    Ctx score(double score, Band band, Band before) {
      scores.add(new ScoreState(HealthScore.newBuilder().setAccountId("acme").setScorecardId("default")
          .setScore(score).setBand(band).setPrimary(true).build(), before));
      history.put(NOW, score);
      return this;
    }

    Ctx features(Map<String, Double> numbers, Map<String, String> labels) {
      features = GetFeaturesResponse.newBuilder().putAllFeatures(numbers).putAllLabels(labels).build();
      return this;
    }
  }

  private static Rule rule(String yaml) {
    return RuleYaml.parse("rule_id: r\n" + yaml).get(0);
  }

  private boolean holds(String yaml, Ctx ctx) {
    return evaluator.evaluate(rule(yaml), ctx, false).holds();
  }

  @Test
  void bandTransitionFiresWhileInTargetBandAndClearsWhenItLeaves() {
    String yaml = "condition: {band_transition: {from: [BAND_GREEN, BAND_YELLOW], to: [BAND_RED]}}";
    Evaluation fired = evaluator.evaluate(rule(yaml), new Ctx().score(3, Band.BAND_RED, Band.BAND_YELLOW), false);
    assertTrue(fired.holds());
    assertEquals("band moved from yellow to red (scorecard default)", fired.reason());
    assertEquals(3.0, fired.score().orElseThrow().getScore());
    assertFalse(holds(yaml, new Ctx().score(5, Band.BAND_YELLOW, Band.BAND_RED)), "left the band: clears");
    assertFalse(holds(yaml, new Ctx().score(3, Band.BAND_RED, Band.BAND_UNSPECIFIED)), "first score is no move from green/yellow");
    assertTrue(holds("condition: {band_transition: {to: [BAND_RED]}}", new Ctx().score(3, Band.BAND_RED, Band.BAND_UNSPECIFIED)),
        "empty from accepts any band before");
  }

  @Test
  void scoreDropComparesWithTheHighestScoreInTheWindow() {
    String yaml = "condition: {score_drop: {points: 2, within_days: 7}}";
    Ctx dropped = new Ctx().score(5, Band.BAND_YELLOW, Band.BAND_GREEN);
    dropped.history.put(NOW.minus(Duration.ofDays(3)), 7.5);
    dropped.history.put(NOW.minus(Duration.ofDays(10)), 9.5);
    Evaluation e = evaluator.evaluate(rule(yaml), dropped, false);
    assertTrue(e.holds());
    assertEquals("score fell 2.5 points from 7.5 to 5.0 within 7 days (scorecard default)", e.reason());

    Ctx old = new Ctx().score(5, Band.BAND_YELLOW, Band.BAND_GREEN);
    old.history.put(NOW.minus(Duration.ofDays(10)), 9.5);
    assertFalse(holds(yaml, old), "the high score lies outside the window");

    Ctx small = new Ctx().score(5, Band.BAND_YELLOW, Band.BAND_GREEN);
    small.history.put(NOW.minus(Duration.ofDays(1)), 6.9);
    assertFalse(holds(yaml, small), "1.9 points is less than 2");
  }

  @Test
  void thresholdFiresBelowAndClearsOnlyPastTheHysteresis() {
    Rule r = rule("condition: {threshold: {threshold: 4, direction: CROSSING_DIRECTION_BELOW, hysteresis: 0.5}}");
    assertTrue(evaluator.evaluate(r, new Ctx().score(3.9, Band.BAND_RED, Band.BAND_YELLOW), false).holds());
    assertFalse(evaluator.evaluate(r, new Ctx().score(4.1, Band.BAND_YELLOW, Band.BAND_RED), false).holds(),
        "not active: 4.1 is above the threshold");
    assertTrue(evaluator.evaluate(r, new Ctx().score(4.4, Band.BAND_YELLOW, Band.BAND_RED), true).holds(),
        "active: still within the 0.5 margin");
    assertFalse(evaluator.evaluate(r, new Ctx().score(4.5, Band.BAND_YELLOW, Band.BAND_RED), true).holds(),
        "active: back past threshold + hysteresis clears");
  }

  @Test
  void thresholdAboveAndDefaultHysteresis() {
    Rule r = rule("condition: {threshold: {threshold: 8, direction: CROSSING_DIRECTION_ABOVE}}");
    assertTrue(evaluator.evaluate(r, new Ctx().score(8.2, Band.BAND_GREEN, Band.BAND_YELLOW), false).holds());
    assertFalse(evaluator.evaluate(r, new Ctx().score(7.9, Band.BAND_GREEN, Band.BAND_YELLOW), false).holds());
    assertTrue(evaluator.evaluate(r, new Ctx().score(7.6, Band.BAND_GREEN, Band.BAND_YELLOW), true).holds(),
        "default margin 0.5 keeps it active at 7.6");
    assertFalse(evaluator.evaluate(r, new Ctx().score(7.5, Band.BAND_GREEN, Band.BAND_YELLOW), true).holds());
  }

  @Test
  void negativeTrendReadsTheScoresTrendOrHistoryFor60Days() {
    Ctx ctx = new Ctx();
    ctx.scores.add(new ScoreState(HealthScore.newBuilder().setScorecardId("default").setScore(4).setBand(Band.BAND_YELLOW)
        .setTrend(Trend.newBuilder().setDelta30D(-1.5).setDelta90D(-0.5)).build(), Band.BAND_GREEN));
    ctx.history.put(NOW.minus(Duration.ofDays(61)), 6.5);
    assertTrue(holds("condition: {negative_trend: {window_days: 30, min_drop: 1}}", ctx));
    assertFalse(holds("condition: {negative_trend: {window_days: 90, min_drop: 1}}", ctx), "only -0.5 over 90 days");
    assertTrue(holds("condition: {negative_trend: {window_days: 60, min_drop: 2}}", ctx), "6.5 -> 4 from history");
    assertFalse(holds("condition: {negative_trend: {window_days: 60, min_drop: 3}}", ctx));
    Ctx noTrend = new Ctx().score(4, Band.BAND_YELLOW, Band.BAND_GREEN);
    assertFalse(holds("condition: {negative_trend: {window_days: 30, min_drop: 1}}", noTrend), "no trend, no alert");
  }

  @Test
  void renewalRiskNeedsRenewalWithinWindowAndARiskyBand() {
    String yaml = "condition: {renewal_risk: {within_days: 60}}";
    Ctx yellow = new Ctx().score(5, Band.BAND_YELLOW, Band.BAND_GREEN);
    yellow.account = Account.newBuilder().setRenewalDate(Times.toTimestamp(NOW.plus(Duration.ofDays(30)))).build();
    assertTrue(holds(yaml, yellow));
    Ctx green = new Ctx().score(8, Band.BAND_GREEN, Band.BAND_UNSPECIFIED);
    green.account = yellow.account;
    assertFalse(holds(yaml, green), "green is not at risk by default");
    Ctx far = new Ctx().score(5, Band.BAND_YELLOW, Band.BAND_GREEN);
    far.account = Account.newBuilder().setRenewalDate(Times.toTimestamp(NOW.plus(Duration.ofDays(90)))).build();
    assertFalse(holds(yaml, far));
    Ctx past = new Ctx().score(5, Band.BAND_YELLOW, Band.BAND_GREEN);
    past.account = Account.newBuilder().setRenewalDate(Times.toTimestamp(NOW.minus(Duration.ofDays(2)))).build();
    assertFalse(holds(yaml, past), "renewal already passed");
    assertTrue(holds("condition: {renewal_risk: {within_days: 60, bands: [BAND_GREEN]}}", green));
  }

  @Test
  void paymentConditionsReadDaysSinceLast() {
    Ctx ctx = new Ctx().features(Map.of("billing.payment_failed.days_since_last", 12.0,
        "billing.payment_late.days_since_last", 45.0), Map.of());
    assertTrue(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_PAYMENT_FAILED}}", ctx), "12 days <= default 30");
    assertFalse(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_PAYMENT_FAILED, days: 7}}", ctx));
    assertFalse(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_PAYMENT_LATE}}", ctx));
    assertTrue(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_PAYMENT_LATE, days: 60}}", ctx));
    assertFalse(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_PAYMENT_FAILED}}", new Ctx().features(Map.of(), Map.of())),
        "never failed");
  }

  @Test
  void npsDetractorReadsTheLastAnswer() {
    String yaml = "condition: {signal: {kind: SIGNAL_CONDITION_KIND_NPS_DETRACTOR}}";
    assertTrue(holds(yaml, new Ctx().features(Map.of("survey.nps.last", 6.0), Map.of())));
    assertFalse(holds(yaml, new Ctx().features(Map.of("survey.nps.last", 7.0), Map.of())));
    assertTrue(holds(yaml, new Ctx().features(Map.of(), Map.of("survey.nps", "3"))), "label read as a number");
    assertFalse(holds(yaml, new Ctx().features(Map.of(), Map.of())), "no answer");
  }

  @Test
  void championAndSponsorLostReadLabels() {
    Ctx ctx = new Ctx().features(Map.of(), Map.of("csm.champion", "Lost", "csm.executive_sponsor", "strong"));
    assertTrue(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_CHAMPION_LOST}}", ctx));
    assertFalse(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_SPONSOR_LOST}}", ctx));
    assertTrue(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_SPONSOR_LOST}}",
        new Ctx().features(Map.of(), Map.of("csm.executive_sponsor", "none"))));
  }

  @Test
  void noActivityUsesTheMostRecentSignalOfAnyMetricOrTheNamedOne() {
    Ctx ctx = new Ctx().features(Map.of("logins.days_since_last", 40.0, "tickets.days_since_last", 3.0), Map.of());
    assertFalse(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, days: 30}}", ctx),
        "a ticket 3 days ago is activity");
    assertTrue(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, days: 30, metric: logins}}", ctx));
    assertTrue(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, days: 30}}",
        new Ctx().features(Map.of("logins.days_since_last", 31.0), Map.of())));
  }

  @Test
  void noActivityWithoutSignalsWaitsUntilTheAccountIsOlderThanTheWindow() {
    String yaml = "condition: {signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, days: 21}}";
    Ctx young = new Ctx().features(Map.of("account.mrr", 100.0), Map.of());
    young.account = Account.newBuilder().setCreateTime(Times.toTimestamp(NOW.minus(Duration.ofMinutes(1))))
        .setContractStart(Times.toTimestamp(NOW.minus(Duration.ofDays(400)))).build();
    assertFalse(holds(yaml, young), "created a minute ago: an old contract start does not make it silent");

    Ctx old = new Ctx().features(Map.of("account.mrr", 100.0), Map.of());
    old.account = Account.newBuilder().setCreateTime(Times.toTimestamp(NOW.minus(Duration.ofDays(22)))).build();
    Evaluation e = evaluator.evaluate(rule(yaml), old, false);
    assertTrue(e.holds(), "22 days old and never a signal");
    assertEquals("no activity on record in the 22 days since the account was created", e.reason());

    Ctx newContract = new Ctx().features(Map.of(), Map.of());
    newContract.account = Account.newBuilder().setCreateTime(Times.toTimestamp(NOW.minus(Duration.ofDays(300))))
        .setContractStart(Times.toTimestamp(NOW.minus(Duration.ofDays(5)))).build();
    assertFalse(holds(yaml, newContract), "the later contract start restarts the window");
    newContract.account = newContract.account.toBuilder()
        .setContractStart(Times.toTimestamp(NOW.minus(Duration.ofDays(21)))).build();
    assertEquals("no activity on record in the 21 days since the contract started",
        evaluator.evaluate(rule(yaml), newContract, false).reason());

    Ctx ageUnknown = new Ctx().features(Map.of(), Map.of());
    ageUnknown.account = Account.newBuilder().setAccountId("acme").build();
    assertFalse(holds(yaml, ageUnknown), "no creation or contract time: age unknown, never silent");
    assertFalse(holds(yaml, new Ctx().features(Map.of(), Map.of())), "account unknown to signals-service");

    Ctx youngButStale = new Ctx().features(Map.of("logins.days_since_last", 60.0), Map.of());
    youngButStale.account = young.account;
    assertTrue(holds(yaml, youngButStale), "backfilled signals 60 days old are silence on record");
    Ctx namedMetric = new Ctx().features(Map.of("tickets.days_since_last", 1.0), Map.of());
    namedMetric.account = young.account;
    assertFalse(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, days: 21, metric: logins}}",
        namedMetric), "no login yet on a young account");
    namedMetric.account = old.account;
    assertTrue(holds("condition: {signal: {kind: SIGNAL_CONDITION_KIND_NO_ACTIVITY, days: 21, metric: logins}}",
        namedMetric), "never a login in 22 days");
  }

  @Test
  void allOfNeedsEveryConditionAnyOfOne() {
    Ctx ctx = new Ctx().score(3, Band.BAND_RED, Band.BAND_YELLOW)
        .features(Map.of(), Map.of("csm.champion", "lost"));
    String red = "{band_transition: {to: [BAND_RED]}}";
    String champion = "{signal: {kind: SIGNAL_CONDITION_KIND_CHAMPION_LOST}}";
    String sponsor = "{signal: {kind: SIGNAL_CONDITION_KIND_SPONSOR_LOST}}";
    Evaluation both = evaluator.evaluate(rule("condition: {all_of: {conditions: [" + red + ", " + champion + "]}}"), ctx, false);
    assertTrue(both.holds());
    assertEquals("band moved from yellow to red (scorecard default) and champion lost", both.reason());
    assertFalse(holds("condition: {all_of: {conditions: [" + red + ", " + sponsor + "]}}", ctx));
    assertTrue(holds("condition: {any_of: {conditions: [" + sponsor + ", " + champion + "]}}", ctx));
    assertFalse(holds("condition: {any_of: {conditions: [" + sponsor + "]}}", ctx));
  }

  @Test
  void scopeFiltersBySegmentOwnerMinMrrAndScorecard() {
    Ctx ctx = new Ctx().score(3, Band.BAND_RED, Band.BAND_YELLOW);
    ctx.account = Account.newBuilder().setSegment("enterprise").setOwner("ana").setMrr(5000).build();
    String cond = "condition: {band_transition: {to: [BAND_RED]}}\n";
    assertTrue(holds(cond + "scope: {segments: [enterprise], owners: [ana], min_mrr: 5000}", ctx));
    assertFalse(holds(cond + "scope: {segments: [smb]}", ctx));
    assertFalse(holds(cond + "scope: {owners: [bo]}", ctx));
    assertFalse(holds(cond + "scope: {min_mrr: 5000.01}", ctx));
    assertFalse(holds(cond + "scope: {scorecard_ids: [onboarding]}", ctx), "no score on that scorecard");
    assertTrue(holds(cond + "scope: {scorecard_ids: [default]}", ctx));
    Ctx unknown = new Ctx().score(3, Band.BAND_RED, Band.BAND_YELLOW);
    assertFalse(holds(cond + "scope: {segments: [enterprise]}", unknown), "unknown account is out of a filtered scope");
    assertTrue(holds(cond, unknown), "an unfiltered scope needs no account");
  }
}
