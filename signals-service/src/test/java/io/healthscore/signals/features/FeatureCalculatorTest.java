package io.healthscore.signals.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.healthscore.signals.ingest.DailyRollup;
import io.healthscore.signals.store.AccountRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureCalculatorTest {
  private static final Instant AS_OF = Instant.parse("2026-03-31T12:00:00Z");
  private static final long D = FeatureHorizon.pointInTime(AS_OF).endDay();

  private static DailyRollup numeric(String metric, long daysBefore, long count, double sum, double last, long users) {
    long day = D - daysBefore;
    return new DailyRollup("a", metric, day, count, sum, 0, 0, last, null, day * 86_400_000L, day * 86_400_000L, users);
  }

  private static DailyRollup labelled(String metric, long daysBefore, String label, long users) {
    long day = D - daysBefore;
    return new DailyRollup("a", metric, day, 1, 0, 0, 0, 0, label, day * 86_400_000L, day * 86_400_000L, users);
  }

  private static AccountRecord account(long licenses) {
    return new AccountRecord(
        "a", "A", "", "", "", "", licenses, 500, AS_OF.minus(Duration.ofDays(100)).minus(Duration.ofHours(1)),
        AS_OF.plus(Duration.ofDays(30)).plus(Duration.ofHours(1)), AccountRecord.BillingPeriod.ANNUAL, "",
        Map.of(), AS_OF, AS_OF);
  }

  private static final List<DailyRollup> ROLLUPS =
      List.of(
          numeric("logins", 1, 2, 10, 6, 3),
          numeric("logins", 5, 1, 4, 4, 1),
          numeric("logins", 20, 3, 30, 12, 5),
          numeric("logins", 45, 4, 20, 5, 2),
          numeric("logins", 80, 1, 1, 1, 1),
          // The as-of day itself and later days are the future: ignored.
          numeric("logins", 0, 100, 1000, 7, 50),
          numeric("logins", -3, 100, 1000, 7, 50),
          numeric("exports", 2, 2, 8, 3, 2),
          labelled("csm.champion", 10, "strong", 1),
          labelled("csm.champion", 3, "lost", 1));

  /** A user active on a day in a metric. */
  private record UserDay(String metric, long day, String user) {}

  private static UserDay user(String metric, long daysBefore, String user) {
    return new UserDay(metric, D - daysBefore, user);
  }

  private static final List<UserDay> USER_DAYS =
      List.of(
          user("logins", 1, "u1"),
          user("logins", 1, "u2"),
          user("logins", 5, "u1"),
          user("logins", 20, "u3"),
          user("logins", 45, "u9"),
          user("logins", 0, "u7"),
          user("exports", 2, "u1"),
          user("exports", 2, "u4"));

  /** Distinct users as the engine counts them: the union over the window's days (and metrics). */
  private static final DistinctUsers USERS =
      (metric, from, to) ->
          USER_DAYS.stream()
              .filter(u -> u.day() >= from && u.day() < to && (metric == null || metric.equals(u.metric())))
              .map(UserDay::user)
              .distinct()
              .count();

  private final Features features =
      new FeatureCalculator().compute(account(10), ROLLUPS, USERS, 75, 2, FeatureHorizon.pointInTime(AS_OF), FeatureSelection.everything());

  private double f(String name) {
    Double value = features.numbers().get(name);
    if (value == null) {
      throw new AssertionError("no feature " + name + " in " + features.numbers().keySet());
    }
    return value;
  }

  @Test
  void windowCountsSumsAndMeans() {
    assertEquals(3, f("logins.count_7d"));
    assertEquals(14, f("logins.sum_7d"));
    assertEquals(14.0 / 3, f("logins.mean_7d"), 1e-12);
    assertEquals(6, f("logins.count_30d"));
    assertEquals(44, f("logins.sum_30d"));
    assertEquals(44.0 / 6, f("logins.mean_30d"), 1e-12);
    assertEquals(10, f("logins.count_60d"));
    assertEquals(64, f("logins.sum_60d"));
    assertEquals(6.4, f("logins.mean_60d"), 1e-12);
    assertEquals(11, f("logins.count_90d"));
    assertEquals(65, f("logins.sum_90d"));
  }

  @Test
  void trendCompareTheLastThirtyDaysWithTheThirtyBefore() {
    assertEquals(44.0 / 20 - 1, f("logins.trend_30d"), 1e-12);
    assertFalse(features.numbers().containsKey("exports.trend_30d"), "no earlier data, no trend");
  }

  @Test
  void liveFeaturesIncludeTodayAndMeasureRecencyFromNow() {
    Features live = new FeatureCalculator().compute(account(10), ROLLUPS, USERS, 0, 0, FeatureHorizon.live(AS_OF), FeatureSelection.everything());
    Map<String, Double> n = live.numbers();
    // Windows are today and the days before it: [D-6, D] for 7 days; later days still ignored.
    assertEquals(103, n.get("logins.count_7d"));
    assertEquals(1014, n.get("logins.sum_7d"));
    assertEquals(106, n.get("logins.count_30d"));
    assertEquals(1044.0 / 20 - 1, n.get("logins.trend_30d"), 1e-12);
    assertEquals(7, n.get("logins.last"));
    // Today's rollup's last signal is at midnight, AS_OF is noon: half a day.
    assertEquals(0.5, n.get("logins.days_since_last"), 1e-12);
    assertEquals(80.5, n.get("logins.days_since_first"), 1e-12);
    assertEquals(50, n.get("logins.peak_daily_users_30d"));
    assertEquals(4, n.get("logins.distinct_users_30d"), "today's u7 counts live");
    assertEquals(5, n.get("account.active_users_30d"));
    // Unchanged metrics without data today: recency still counts from now.
    assertEquals(2.5, n.get("exports.days_since_last"), 1e-12);
  }

  @Test
  void recencyLastValueAndUsers() {
    assertEquals(1, f("logins.days_since_last"));
    assertEquals(80, f("logins.days_since_first"));
    assertEquals(6, f("logins.last"));
    assertEquals(5, f("logins.peak_daily_users_30d"));
    assertEquals(2, f("exports.peak_daily_users_30d"));
  }

  @Test
  void distinctUsersCountEachUserOnceOverTheWindowAndAcrossMetrics() {
    assertEquals(3, f("logins.distinct_users_30d"), "u1 on two days once; u9 is older than 30 days");
    assertEquals(2, f("exports.distinct_users_30d"));
    assertEquals(4, f("account.active_users_30d"), "u1 in both metrics once");
  }

  @Test
  void labelledMetricsGiveTheLastLabelAndCountsButNoSums() {
    assertEquals("lost", features.labels().get("csm.champion"));
    assertEquals(1, f("csm.champion.count_7d"));
    assertEquals(2, f("csm.champion.count_30d"));
    assertEquals(3, f("csm.champion.days_since_last"));
    assertEquals(10, f("csm.champion.days_since_first"));
    assertFalse(features.numbers().containsKey("csm.champion.sum_30d"));
    assertFalse(features.numbers().containsKey("csm.champion.mean_30d"));
    assertFalse(features.numbers().containsKey("csm.champion.last"));
    assertEquals(Map.of("csm.champion", "lost", "account.billing_period", "annual"), features.labels(), "metric and account labels");
  }

  @Test
  void accountFeatures() {
    assertEquals(100, f("account.tenure_days"));
    assertEquals(30, f("account.days_to_renewal"));
    assertEquals(500, f("account.mrr"));
    assertEquals(75, f("account.mrr_change_90d"));
    assertEquals(10, f("account.licenses"));
    assertEquals(2, f("account.children"));
    assertEquals(5, f("account.peak_daily_users_30d"));
    assertEquals(0.4, f("account.license_utilization"), 1e-12, "active users over licenses");
  }

  @Test
  void meanIsAbsentForAnEmptyWindowWhileCountAndSumAreZero() {
    assertEquals(0, f("exports.count_7d") - 2);
    Features later = new FeatureCalculator().compute(account(0), ROLLUPS, USERS, 0, 0, FeatureHorizon.pointInTime(AS_OF.plus(Duration.ofDays(20))), FeatureSelection.everything());
    assertEquals(0, later.numbers().get("exports.count_7d"));
    assertEquals(0, later.numbers().get("exports.sum_7d"));
    assertFalse(later.numbers().containsKey("exports.mean_7d"));
    assertFalse(later.numbers().containsKey("account.license_utilization"), "no licences, no utilization");
  }
}
