package io.healthscore.scoring.engine;

import static io.healthscore.scoring.testing.TestCards.account;
import static io.healthscore.scoring.testing.TestCards.compiled;
import static io.healthscore.scoring.testing.TestCards.ctx;
import static io.healthscore.scoring.testing.TestCards.measure;
import static io.healthscore.scoring.testing.TestCards.thresholds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.v1.Band;
import io.healthscore.v1.DaysSinceMapping;
import io.healthscore.v1.Direction;
import io.healthscore.v1.GoalMapping;
import io.healthscore.v1.LinearMapping;
import io.healthscore.v1.Measure;
import io.healthscore.v1.PercentileMapping;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MappingsTest {
  private static final double EPS = 1e-4;

  /** Points of the single measure for a value of feature "f". */
  private static double points(Measure.Builder m, double value) {
    return points(m, Map.of("f", value));
  }

  private static double points(Measure.Builder m, Map<String, Double> features) {
    CompiledScorecard sc = compiled(m);
    ComputedScore s = sc.score(account(features), ctx(), Band.BAND_UNSPECIFIED);
    return sc.evaluate(s).points()[0];
  }

  @Test
  void thresholdsHigherIsBetterGiveTheHighestStepReached() {
    Measure.Builder m = measure("m", "f").setThresholds(thresholds(1, 10, 4, 20, 7, 30, 10));
    assertEquals(1, points(m, 9.99), EPS);
    assertEquals(4, points(m, 10), EPS);
    assertEquals(4, points(m, 19.9), EPS);
    assertEquals(7, points(m, 20), EPS);
    assertEquals(10, points(m, 30), EPS);
    assertEquals(10, points(m, 1e6), EPS);
  }

  @Test
  void thresholdsLowerIsBetterGiveTheBestStepAtOrBelow() {
    Measure.Builder m =
        measure("m", "f")
            .setDirection(Direction.DIRECTION_LOWER_IS_BETTER)
            .setThresholds(thresholds(0, 5, 3, 2, 6, 0, 10));
    assertEquals(0, points(m, 5.01), EPS);
    assertEquals(3, points(m, 5), EPS);
    assertEquals(3, points(m, 3), EPS);
    assertEquals(6, points(m, 2), EPS);
    assertEquals(6, points(m, 0.5), EPS);
    assertEquals(10, points(m, 0), EPS);
  }

  @Test
  void linearIsClampedAndWorksInBothOrientations() {
    Measure.Builder up = measure("m", "f").setLinear(LinearMapping.newBuilder().setWorst(10).setBest(20));
    assertEquals(0, points(up, 5), EPS);
    assertEquals(0, points(up, 10), EPS);
    assertEquals(2.5, points(up, 12.5), EPS);
    assertEquals(10, points(up, 20), EPS);
    assertEquals(10, points(up, 99), EPS);
    Measure.Builder down =
        measure("m", "f")
            .setDirection(Direction.DIRECTION_LOWER_IS_BETTER)
            .setLinear(LinearMapping.newBuilder().setWorst(30).setBest(0));
    assertEquals(10, points(down, 0), EPS);
    assertEquals(5, points(down, 15), EPS);
    assertEquals(0, points(down, 40), EPS);
  }

  @Test
  void goalIsTheRatioToTheGoalClamped() {
    Measure.Builder up = measure("m", "f").setGoal(GoalMapping.newBuilder().setGoal(200));
    assertEquals(0, points(up, -5), EPS);
    assertEquals(5, points(up, 100), EPS);
    assertEquals(10, points(up, 200), EPS);
    assertEquals(10, points(up, 400), EPS);
    Measure.Builder down =
        measure("m", "f").setDirection(Direction.DIRECTION_LOWER_IS_BETTER).setGoal(GoalMapping.newBuilder().setGoal(2));
    assertEquals(10, points(down, 0), EPS);
    assertEquals(10, points(down, 2), EPS);
    assertEquals(5, points(down, 4), EPS);
  }

  @Test
  void booleanReadsNumbersAndLabels() {
    Measure.Builder m =
        measure("m", "csm.champion").setBoolean(io.healthscore.v1.BooleanMapping.newBuilder().setTruePoints(9).setFalsePoints(2));
    CompiledScorecard sc = compiled(m);
    assertEquals(9, pointsOf(sc, Map.of("csm.champion", 1.0), Map.of()), EPS);
    assertEquals(2, pointsOf(sc, Map.of("csm.champion", 0.0), Map.of()), EPS);
    assertEquals(2, pointsOf(sc, Map.of("csm.champion", -3.0), Map.of()), EPS);
    for (String yes : List.of("yes", "TRUE", "present", "Strong", "active")) {
      assertEquals(9, pointsOf(sc, Map.of(), Map.of("csm.champion", yes)), EPS, yes);
    }
    assertEquals(2, pointsOf(sc, Map.of(), Map.of("csm.champion", "weak")), EPS);
    assertTrue(Double.isNaN(pointsOf(sc, Map.of(), Map.of())));
  }

  private static double pointsOf(CompiledScorecard sc, Map<String, Double> f, Map<String, String> labels) {
    ComputedScore s = sc.score(account("a", "smb", f, labels), ctx(), Band.BAND_UNSPECIFIED);
    return sc.evaluate(s).points()[0];
  }

  @Test
  void daysSinceIsFullUpToBestAndZeroFromWorst() {
    Measure.Builder m =
        measure("m", "f").setDaysSince(DaysSinceMapping.newBuilder().setBestDays(7).setWorstDays(37));
    assertEquals(10, points(m, 0), EPS);
    assertEquals(10, points(m, 7), EPS);
    assertEquals(5, points(m, 22), EPS);
    assertEquals(0, points(m, 37), EPS);
    assertEquals(0, points(m, 100), EPS);
  }

  @Test
  void denominatorMakesARatioAndZeroDenominatorIsMissing() {
    Measure.Builder m =
        measure("m", "f").setDenominatorFeature("d").setGoal(GoalMapping.newBuilder().setGoal(1));
    assertEquals(5, points(m, Map.of("f", 2.0, "d", 4.0)), EPS);
    assertTrue(Double.isNaN(points(m, Map.of("f", 2.0, "d", 0.0))));
    assertTrue(Double.isNaN(points(m, Map.of("f", 2.0))));
  }

  @Test
  void percentileIsTheMidRankWithinTheSegment() {
    Measure.Builder up = measure("m", "f").setPercentile(PercentileMapping.getDefaultInstance());
    Measure.Builder down =
        measure("m", "f").setDirection(Direction.DIRECTION_LOWER_IS_BETTER).setPercentile(PercentileMapping.getDefaultInstance());
    CompiledScorecard sc = compiled(up);
    CompiledScorecard scDown = compiled(down);
    List<AccountSnapshot> population = new java.util.ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      population.add(account("s" + i, "smb", Map.of("f", (double) i * 10), Map.of()));
      population.add(account("e" + i, "enterprise", Map.of("f", (double) i * 1000), Map.of()));
    }
    SegmentDistributions d = SegmentDistributions.build(sc, population);
    ScoringContext ctx = new ScoringContext(0, d);
    // 30 in smb {10,20,30,40}: 2 below, 1 equal → (2 + 0.5) / 4.
    assertEquals(6.25, sc.evaluate(sc.score(account("x", "smb", Map.of("f", 30.0), Map.of()), ctx, Band.BAND_UNSPECIFIED)).points()[0], EPS);
    assertEquals(10 - 6.25, scDown.evaluate(scDown.score(account("x", "smb", Map.of("f", 30.0), Map.of()), ctx, Band.BAND_UNSPECIFIED)).points()[0], EPS);
    // 30 in enterprise is below all four.
    assertEquals(0, sc.evaluate(sc.score(account("x", "enterprise", Map.of("f", 30.0), Map.of()), ctx, Band.BAND_UNSPECIFIED)).points()[0], EPS);
    // An unknown segment falls back to all eight values: 4 below (10..40), 0 equal, 50 > 40.
    assertEquals(5, sc.evaluate(sc.score(account("x", "mid", Map.of("f", 50.0), Map.of()), ctx, Band.BAND_UNSPECIFIED)).points()[0], EPS);
    // Without any distribution the measure has no points.
    assertTrue(Double.isNaN(sc.evaluate(sc.score(account("x", "smb", Map.of("f", 30.0), Map.of()), ctx(), Band.BAND_UNSPECIFIED)).points()[0]));
  }

  @Test
  void percentileDistributionsReadBackFromTheirBytesServeTheSamePercentiles() {
    CompiledScorecard sc = compiled(measure("m", "f").setPercentile(PercentileMapping.getDefaultInstance()));
    List<AccountSnapshot> population = new java.util.ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      population.add(account("s" + i, "smb", Map.of("f", (double) i * 10), Map.of()));
      population.add(account("e" + i, "enterprise", Map.of("f", (double) i * 1000), Map.of()));
    }
    SegmentDistributions built = SegmentDistributions.build(sc, population);
    SegmentDistributions read = SegmentDistributions.decode(built.encode());
    String key = sc.percentileKey(0);
    for (String segment : new String[] {"smb", "enterprise", "unknown"}) {
      for (double v : new double[] {0, 10, 25, 50, 3000, 1e9}) {
        assertEquals(built.percentile(segment, key, v), read.percentile(segment, key, v), 0, segment + " " + v);
      }
    }
    assertTrue(Double.isNaN(SegmentDistributions.decode(SegmentDistributions.empty().encode()).percentile("smb", key, 1)));
    byte[] bytes = built.encode();
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> SegmentDistributions.decode(java.util.Arrays.copyOf(bytes, bytes.length - 3)));
  }

  @Test
  void scoreMapsZeroToTenPointsOntoOneToTen() {
    Measure.Builder m = measure("m", "f").setLinear(LinearMapping.newBuilder().setWorst(0).setBest(10));
    CompiledScorecard sc = compiled(m);
    assertEquals(1.0, sc.score(account(Map.of("f", 0.0)), ctx(), Band.BAND_UNSPECIFIED).score(), EPS);
    assertEquals(10.0, sc.score(account(Map.of("f", 10.0)), ctx(), Band.BAND_UNSPECIFIED).score(), EPS);
    assertEquals(5.5, sc.score(account(Map.of("f", 5.0)), ctx(), Band.BAND_UNSPECIFIED).score(), EPS);
    Map<String, Double> none = new HashMap<>();
    ComputedScore empty = sc.score(account(none), ctx(), Band.BAND_UNSPECIFIED);
    assertTrue(empty.noData());
    assertEquals(5.5, empty.score(), EPS);
    assertEquals(0, empty.coverage(), EPS);
  }
}
