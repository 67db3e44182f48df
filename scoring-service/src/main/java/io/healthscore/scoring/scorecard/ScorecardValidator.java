package io.healthscore.scoring.scorecard;

import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.Violations;
import io.healthscore.v1.BandCutoffs;
import io.healthscore.v1.Component;
import io.healthscore.v1.Direction;
import io.healthscore.v1.Measure;
import io.healthscore.v1.MeasureKind;
import io.healthscore.v1.Milestone;
import io.healthscore.v1.MissingPolicy;
import io.healthscore.v1.ParentRollup;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.Threshold;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Checks a scorecard and reports every problem at once, each with the path of the field as in
 * {@code components[1].measures[0].weight}. Component and measure ids share one namespace, so an
 * id used twice anywhere in the tree is reported as a duplicate at its second place.
 */
public final class ScorecardValidator {
  /** Components nest at most this deep (a top-level component is level 1). */
  public static final int MAX_DEPTH = 8;

  private static final Pattern ID = Pattern.compile("[a-z0-9_-]{1,64}");

  private ScorecardValidator() {}

  /**
   * Every violation of {@code sc}. {@code knownFeature} says whether a feature name exists (the
   * serving side knows); null skips that check. A boolean measure may read a label, so its feature
   * is also accepted when {@code <feature>.last} is known.
   */
  public static List<FieldViolation> validate(Scorecard sc, Predicate<String> knownFeature) {
    Violations v = new Violations();
    v.check(
        ID.matcher(sc.getScorecardId()).matches(),
        "scorecard_id",
        "must be 1 to 64 characters of a-z, 0-9, _ and -");
    for (int i = 0; i < sc.getSegmentsCount(); i++) {
      v.check(!sc.getSegments(i).isBlank(), "segments[" + i + "]", "must not be empty");
    }
    for (int i = 0; i < sc.getLifecycleStagesCount(); i++) {
      v.check(!sc.getLifecycleStages(i).isBlank(), "lifecycle_stages[" + i + "]", "must not be empty");
    }
    v.check(sc.getParentRollup() != ParentRollup.UNRECOGNIZED, "parent_rollup", "unknown value");
    if (sc.hasBands()) {
      checkBands(sc.getBands(), v);
    }
    if (v.check(sc.getComponentsCount() > 0, "components", "needs at least one component")) {
      Context ctx = new Context(v, knownFeature);
      checkWeights(sc.getComponentsList().stream().mapToDouble(Component::getWeight).toArray(), "components", v);
      for (int i = 0; i < sc.getComponentsCount(); i++) {
        checkComponent(sc.getComponents(i), "components[" + i + "]", 1, ctx);
      }
    }
    return v.list();
  }

  private record Context(Violations v, Predicate<String> knownFeature, Map<String, String> ids) {
    Context(Violations v, Predicate<String> knownFeature) {
      this(v, knownFeature, new HashMap<>());
    }

    /** Records an id's first place; reports later places as duplicates. */
    void claimId(String id, String path) {
      String first = ids.putIfAbsent(id, path);
      if (first != null) {
        v.add(path, "duplicate id \"" + id + "\", already used at " + first);
      }
    }
  }

  private static void checkBands(BandCutoffs b, Violations v) {
    double yellow = b.getYellowFrom() == 0 ? 4 : b.getYellowFrom();
    double green = b.getGreenFrom() == 0 ? 7 : b.getGreenFrom();
    boolean yellowOk = v.check(yellow >= 1 && yellow <= 10, "bands.yellow_from", "must be within 1 to 10");
    boolean greenOk = v.check(green >= 1 && green <= 10, "bands.green_from", "must be within 1 to 10");
    if (yellowOk && greenOk) {
      v.check(yellow < green, "bands.green_from", "must be above yellow_from (" + yellow + ")");
    }
    v.check(
        b.getHysteresis() >= 0 && Double.isFinite(b.getHysteresis()),
        "bands.hysteresis",
        "must not be negative");
  }

  /** Sibling weights: each above zero and a total above zero. */
  private static void checkWeights(double[] weights, String path, Violations v) {
    double total = 0;
    for (double w : weights) {
      total += Double.isFinite(w) && w > 0 ? w : 0;
    }
    v.check(weights.length == 0 || total > 0, path, "total weight must be above zero");
  }

  private static void checkComponent(Component c, String path, int depth, Context ctx) {
    Violations v = ctx.v();
    if (v.check(ID.matcher(c.getComponentId()).matches(), path + ".component_id",
        "must be 1 to 64 characters of a-z, 0-9, _ and -")) {
      ctx.claimId(c.getComponentId(), path + ".component_id");
    }
    checkWeight(c.getWeight(), path + ".weight", v);
    if (!v.check(depth <= MAX_DEPTH, path, "components nest deeper than " + MAX_DEPTH + " levels")) {
      return;
    }
    v.check(
        c.getMeasuresCount() + c.getComponentsCount() > 0,
        path,
        "needs at least one measure or component");
    double[] weights = new double[c.getMeasuresCount() + c.getComponentsCount()];
    for (int i = 0; i < c.getMeasuresCount(); i++) {
      weights[i] = c.getMeasures(i).getWeight();
      checkMeasure(c.getMeasures(i), path + ".measures[" + i + "]", ctx);
    }
    for (int i = 0; i < c.getComponentsCount(); i++) {
      weights[c.getMeasuresCount() + i] = c.getComponents(i).getWeight();
      checkComponent(c.getComponents(i), path + ".components[" + i + "]", depth + 1, ctx);
    }
    checkWeights(weights, path, v);
  }

  private static void checkWeight(double w, String path, Violations v) {
    v.check(Double.isFinite(w) && w > 0, path, "must be above zero");
  }

  private static void checkMeasure(Measure m, String path, Context ctx) {
    Violations v = ctx.v();
    if (v.check(ID.matcher(m.getMeasureId()).matches(), path + ".measure_id",
        "must be 1 to 64 characters of a-z, 0-9, _ and -")) {
      ctx.claimId(m.getMeasureId(), path + ".measure_id");
    }
    checkWeight(m.getWeight(), path + ".weight", v);
    v.check(m.getDirection() != Direction.UNRECOGNIZED, path + ".direction", "unknown value");
    v.check(m.getKind() != MeasureKind.UNRECOGNIZED, path + ".kind", "unknown value");
    v.check(m.getMissingPolicy() != MissingPolicy.UNRECOGNIZED, path + ".missing_policy", "unknown value");
    if (m.getMissingPolicy() == MissingPolicy.MISSING_POLICY_FIXED) {
      checkPoints(m.getMissingPoints(), path + ".missing_points", v);
    }
    v.check(m.getStaleAfterDays() >= 0, path + ".stale_after_days", "must not be negative");
    boolean journey = m.getMappingCase() == Measure.MappingCase.JOURNEY;
    if (!journey) {
      if (v.check(!m.getFeature().isBlank(), path + ".feature", "is required")) {
        checkFeature(m.getFeature(), m.getMappingCase() == Measure.MappingCase.BOOLEAN, path + ".feature", ctx);
      }
    }
    if (!m.getDenominatorFeature().isEmpty()) {
      checkFeature(m.getDenominatorFeature(), false, path + ".denominator_feature", ctx);
    }
    boolean lower = m.getDirection() == Direction.DIRECTION_LOWER_IS_BETTER;
    switch (m.getMappingCase()) {
      case THRESHOLDS -> checkThresholds(m, lower, path + ".thresholds", v);
      case LINEAR -> {
        double worst = m.getLinear().getWorst();
        double best = m.getLinear().getBest();
        if (v.check(worst != best, path + ".linear.best", "must differ from worst")) {
          v.check(!(lower && best > worst), path + ".direction",
              "lower-is-better contradicts best above worst");
          v.check(!(m.getDirection() == Direction.DIRECTION_HIGHER_IS_BETTER && best < worst),
              path + ".direction", "higher-is-better contradicts best below worst");
        }
      }
      case GOAL -> {
        double goal = m.getGoal().getGoal();
        if (goal == 0) {
          v.add(path + ".goal.goal", "must not be zero");
        } else {
          v.check(goal > 0 && Double.isFinite(goal), path + ".goal.goal", "must be above zero");
        }
      }
      case PERCENTILE -> {
        // Nothing to configure.
      }
      case BOOLEAN -> {
        checkPoints(m.getBoolean().getTruePoints(), path + ".boolean.true_points", v);
        checkPoints(m.getBoolean().getFalsePoints(), path + ".boolean.false_points", v);
      }
      case DAYS_SINCE -> {
        double best = m.getDaysSince().getBestDays();
        double worst = m.getDaysSince().getWorstDays();
        v.check(best >= 0, path + ".days_since.best_days", "must not be negative");
        v.check(best < worst, path + ".days_since.worst_days", "must be above best_days");
      }
      case JOURNEY -> checkJourney(m, path + ".journey", ctx);
      default -> v.add(path, "needs a mapping: one of thresholds, linear, goal, percentile, boolean,"
          + " days_since, journey");
    }
  }

  private static void checkFeature(String feature, boolean mayBeLabel, String path, Context ctx) {
    Predicate<String> known = ctx.knownFeature();
    if (known == null) {
      return;
    }
    boolean ok = known.test(feature) || (mayBeLabel && known.test(feature + ".last"));
    ctx.v().check(ok, path, "unknown feature \"" + feature + "\" (see docs/features.md)");
  }

  private static void checkPoints(double p, String path, Violations v) {
    v.check(p >= 0 && p <= 10, path, "must be within 0 to 10");
  }

  private static void checkThresholds(Measure m, boolean lower, String path, Violations v) {
    List<Threshold> steps = m.getThresholds().getThresholdsList();
    checkPoints(m.getThresholds().getBelowPoints(), path + ".below_points", v);
    if (!v.check(!steps.isEmpty(), path + ".thresholds", "needs at least one threshold")) {
      return;
    }
    for (int i = 0; i < steps.size(); i++) {
      String step = path + ".thresholds[" + i + "]";
      checkPoints(steps.get(i).getPoints(), step + ".points", v);
      v.check(Double.isFinite(steps.get(i).getAt()), step + ".at", "must be a finite number");
      if (i > 0) {
        double prev = steps.get(i - 1).getAt();
        double at = steps.get(i).getAt();
        v.check(
            lower ? at < prev : at > prev,
            step + ".at",
            lower
                ? "thresholds of a lower-is-better measure must go down from worst to best"
                : "thresholds must go up from worst to best");
      }
    }
  }

  private static void checkJourney(Measure m, String path, Context ctx) {
    Violations v = ctx.v();
    List<Milestone> stones = m.getJourney().getMilestonesList();
    if (!v.check(!stones.isEmpty(), path + ".milestones", "a journey needs at least one milestone")) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < stones.size(); i++) {
      Milestone s = stones.get(i);
      String at = path + ".milestones[" + i + "]";
      if (v.check(ID.matcher(s.getMilestoneId()).matches(), at + ".milestone_id",
          "must be 1 to 64 characters of a-z, 0-9, _ and -")) {
        v.check(seen.add(s.getMilestoneId()), at + ".milestone_id",
            "duplicate milestone id \"" + s.getMilestoneId() + "\"");
      }
      if (v.check(!s.getMetric().isBlank(), at + ".metric", "is required")) {
        checkFeature(s.getMetric() + ".days_since_first", false, at + ".metric", ctx);
      }
      v.check(s.getDueDay() >= 0, at + ".due_day", "must not be negative");
    }
  }
}
