package io.healthscore.scoring.scorecard;

import static io.healthscore.scoring.testing.TestCards.card;
import static io.healthscore.scoring.testing.TestCards.component;
import static io.healthscore.scoring.testing.TestCards.linear;
import static io.healthscore.scoring.testing.TestCards.measure;
import static io.healthscore.scoring.testing.TestCards.thresholds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.scoring.engine.FeatureNames;
import io.healthscore.v1.BandCutoffs;
import io.healthscore.v1.BooleanMapping;
import io.healthscore.v1.Component;
import io.healthscore.v1.DaysSinceMapping;
import io.healthscore.v1.Direction;
import io.healthscore.v1.GoalMapping;
import io.healthscore.v1.JourneyMapping;
import io.healthscore.v1.Measure;
import io.healthscore.v1.Milestone;
import io.healthscore.v1.MissingPolicy;
import io.healthscore.v1.Scorecard;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ScorecardValidatorTest {
  /** A valid scorecard: two components of two measures each. */
  private static Scorecard valid() {
    return card(
        component("usage", 2, linear("logins", "logins.count_30d", 0, 40), linear("wau", "active_users.mean_7d", 0, 50)),
        component("money", 1, linear("mrr_change", "account.mrr_change_90d", -0.3, 0.2),
            measure("champion", "csm.champion").setBoolean(BooleanMapping.newBuilder().setTruePoints(10))));
  }

  /** The violations of the valid scorecard with one measure changed. */
  private static List<FieldViolation> withMeasure(int component, int measure, UnaryOperator<Measure.Builder> change) {
    Scorecard.Builder sc = valid().toBuilder();
    Component.Builder c = sc.getComponentsBuilder(component);
    c.setMeasures(measure, change.apply(c.getMeasures(measure).toBuilder()));
    return ScorecardValidator.validate(sc.build(), FeatureNames::isWellFormed);
  }

  private static void assertOnly(List<FieldViolation> violations, String field, String descriptionPart) {
    assertEquals(1, violations.size(), violations.toString());
    assertEquals(field, violations.get(0).field());
    assertTrue(violations.get(0).description().contains(descriptionPart), violations.get(0).description());
  }

  @Test
  void validScorecardHasNoViolations() {
    assertEquals(List.of(), ScorecardValidator.validate(valid(), FeatureNames::isWellFormed));
  }

  @Test
  void idFormat() {
    assertOnly(ScorecardValidator.validate(valid().toBuilder().setScorecardId("Bad Id").build(), null), "scorecard_id", "a-z");
    assertOnly(ScorecardValidator.validate(valid().toBuilder().setScorecardId("x".repeat(65)).build(), null), "scorecard_id", "64");
  }

  @Test
  void noComponents() {
    assertOnly(ScorecardValidator.validate(valid().toBuilder().clearComponents().build(), null), "components", "at least one");
  }

  @Test
  void emptyComponent() {
    Scorecard sc = valid().toBuilder().addComponents(Component.newBuilder().setComponentId("empty").setWeight(1)).build();
    assertOnly(ScorecardValidator.validate(sc, null), "components[2]", "at least one measure");
  }

  @Test
  void zeroAndNegativeWeights() {
    assertOnly(withMeasure(1, 0, m -> m.setWeight(0)), "components[1].measures[0].weight", "above zero");
    assertOnly(withMeasure(1, 0, m -> m.setWeight(-1)), "components[1].measures[0].weight", "above zero");
  }

  @Test
  void zeroTotalWeight() {
    Scorecard.Builder sc = valid().toBuilder();
    sc.getComponentsBuilder(0).setWeight(0);
    sc.getComponentsBuilder(1).setWeight(0);
    List<FieldViolation> v = ScorecardValidator.validate(sc.build(), null);
    assertTrue(v.contains(new FieldViolation("components", "total weight must be above zero")), v.toString());
    assertEquals(3, v.size(), v.toString());
  }

  @Test
  void unorderedThresholds() {
    assertOnly(withMeasure(0, 0, m -> m.setThresholds(thresholds(0, 10, 3, 5, 6))),
        "components[0].measures[0].thresholds.thresholds[1].at", "go up");
    assertOnly(withMeasure(0, 0, m -> m.setDirection(Direction.DIRECTION_LOWER_IS_BETTER).setThresholds(thresholds(0, 1, 3, 5, 6))),
        "components[0].measures[0].thresholds.thresholds[1].at", "go down");
  }

  @Test
  void thresholdPointsOutsideZeroToTen() {
    assertOnly(withMeasure(0, 0, m -> m.setThresholds(thresholds(0, 1, 3, 5, 11))),
        "components[0].measures[0].thresholds.thresholds[1].points", "0 to 10");
    assertOnly(withMeasure(0, 0, m -> m.setThresholds(thresholds(-1, 1, 3))),
        "components[0].measures[0].thresholds.below_points", "0 to 10");
  }

  @Test
  void linearWorstEqualsBest() {
    assertOnly(withMeasure(0, 0, m -> m.setLinear(io.healthscore.v1.LinearMapping.newBuilder().setWorst(3).setBest(3))),
        "components[0].measures[0].linear.best", "differ");
  }

  @Test
  void goalZero() {
    assertOnly(withMeasure(0, 0, m -> m.setGoal(GoalMapping.newBuilder().setGoal(0))), "components[0].measures[0].goal.goal", "zero");
  }

  @Test
  void daysSinceBestNotBelowWorst() {
    assertOnly(withMeasure(0, 0, m -> m.setDaysSince(DaysSinceMapping.newBuilder().setBestDays(30).setWorstDays(30))),
        "components[0].measures[0].days_since.worst_days", "above best_days");
  }

  @Test
  void unknownFeature() {
    assertOnly(withMeasure(0, 1, m -> m.setFeature("active_users.avg_7d")), "components[0].measures[1].feature", "unknown feature");
    // Without a predicate features are not checked.
    Scorecard.Builder sc = valid().toBuilder();
    sc.getComponentsBuilder(0).getMeasuresBuilder(1).setFeature("whatever");
    assertEquals(List.of(), ScorecardValidator.validate(sc.build(), null));
  }

  @Test
  void duplicateIds() {
    assertOnly(withMeasure(1, 0, m -> m.setMeasureId("logins")), "components[1].measures[0].measure_id", "components[0].measures[0].measure_id");
    assertOnly(withMeasure(1, 0, m -> m.setMeasureId("usage")), "components[1].measures[0].measure_id", "duplicate");
  }

  @Test
  void journeyWithoutMilestonesAndDuplicateMilestones() {
    assertOnly(withMeasure(0, 0, m -> m.setFeature("").setJourney(JourneyMapping.getDefaultInstance())),
        "components[0].measures[0].journey.milestones", "at least one milestone");
    Milestone stone = Milestone.newBuilder().setMilestoneId("live").setMetric("milestone.live").setDueDay(30).build();
    assertOnly(withMeasure(0, 0, m -> m.setFeature("").setJourney(JourneyMapping.newBuilder().addMilestones(stone).addMilestones(stone))),
        "components[0].measures[0].journey.milestones[1].milestone_id", "duplicate");
  }

  @Test
  void missingMapping() {
    assertOnly(withMeasure(0, 0, Measure.Builder::clearMapping), "components[0].measures[0]", "needs a mapping");
  }

  @Test
  void bandCutoffsOutOfOrderOrRange() {
    assertOnly(ScorecardValidator.validate(valid().toBuilder().setBands(BandCutoffs.newBuilder().setYellowFrom(7).setGreenFrom(5)).build(), null),
        "bands.green_from", "above yellow_from");
    assertOnly(ScorecardValidator.validate(valid().toBuilder().setBands(BandCutoffs.newBuilder().setGreenFrom(11)).build(), null),
        "bands.green_from", "1 to 10");
    assertOnly(ScorecardValidator.validate(valid().toBuilder().setBands(BandCutoffs.newBuilder().setYellowFrom(0.5)).build(), null),
        "bands.yellow_from", "1 to 10");
  }

  @Test
  void negativeHysteresis() {
    assertOnly(ScorecardValidator.validate(valid().toBuilder().setBands(BandCutoffs.newBuilder().setHysteresis(-0.1)).build(), null),
        "bands.hysteresis", "negative");
  }

  @Test
  void nestingDeeperThanTheLimit() {
    Component.Builder deepest = component("level9", 1, linear("deep", "logins.count_7d", 0, 1));
    for (int level = 8; level >= 1; level--) {
      deepest = Component.newBuilder().setComponentId("level" + level).setWeight(1).addComponents(deepest);
    }
    List<FieldViolation> v = ScorecardValidator.validate(card(deepest), null);
    assertOnly(v, "components[0]" + ".components[0]".repeat(8), "deeper than 8");
  }

  @Test
  void fixedMissingPointsOutsideZeroToTen() {
    assertOnly(withMeasure(0, 0, m -> m.setMissingPolicy(MissingPolicy.MISSING_POLICY_FIXED).setMissingPoints(12)),
        "components[0].measures[0].missing_points", "0 to 10");
  }

  @Test
  void everyViolationIsReportedTogether() {
    Scorecard.Builder sc = valid().toBuilder().setScorecardId("").setBands(BandCutoffs.newBuilder().setHysteresis(-1));
    Component.Builder usage = sc.getComponentsBuilder(0);
    usage.getMeasuresBuilder(0).setWeight(0);
    usage.getMeasuresBuilder(1).setFeature("nope").setLinear(io.healthscore.v1.LinearMapping.newBuilder().setWorst(1).setBest(1));
    sc.getComponentsBuilder(1).getMeasuresBuilder(0).setMeasureId("logins");
    List<String> fields = ScorecardValidator.validate(sc.build(), FeatureNames::isWellFormed).stream().map(FieldViolation::field).toList();
    assertEquals(
        List.of(
            "scorecard_id",
            "bands.hysteresis",
            "components[0].measures[0].weight",
            "components[0].measures[1].feature",
            "components[0].measures[1].linear.best",
            "components[1].measures[0].measure_id"),
        fields);
  }
}
