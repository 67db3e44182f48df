package io.healthscore.scoring.learn;

import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.Direction;
import io.healthscore.v1.LearnedWeight;
import io.healthscore.v1.Measure;
import io.healthscore.v1.MissingPolicy;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.Threshold;
import io.healthscore.v1.ThresholdMapping;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Learns a scorecard's points and weights from outcomes, keeping its measures.
 *
 * <ol>
 *   <li>Every sample is scored by the scorecard; each measure's raw value is cut into at most
 *       {@value #MAX_BINS} bins at quantiles of the training values (each bin at least 3% of
 *       them, cuts half-way between neighbouring values), missing values in a bin of their own
 *       when at least 1% of the training rows miss it.
 *   <li>An L2-regularised logistic regression on the bins' indicators (same 80/20 account split
 *       as weight calibration) gives each bin's churn log-odds.
 *   <li>Each shape is made monotone in the measure's direction (higher is better unless it says
 *       lower): the log-odds never rise toward better values (pool-adjacent-violators, weighted
 *       by bin counts), so a measure whose data runs against its direction comes out flat and
 *       earns the least weight. Neighbouring bins are then merged,
 *       the pair whose merge costs the least squared error first (weighted by counts), until at
 *       most {@value #MAX_STEPS} steps remain.
 *   <li>A measure's span is the largest minus the smallest log-odds of its bins; its points are
 *       10 at its least risky bin, 0 at its riskiest, linear in log-odds between; its weight is
 *       its span over the sum of spans (a success journey keeps its mapping and its share). So
 *       the learned score falls exactly as the fitted churn log-odds rise.
 *   <li>The mapping becomes thresholds on the raw value (adjacent bins with equal points merged,
 *       cuts and points rounded for reading), the missing bin a fixed missing value; weights are
 *       whole percentages of the total.
 *   <li>The churn probability is a logistic regression on the learned score (one coefficient
 *       spread over the measures by their shares), fitted on the training part.
 * </ol>
 */
public final class PointsCalibrator {
  static final int MAX_BINS = 16;
  static final int MAX_STEPS = 5;
  static final double MIN_BIN_SHARE = 0.03;
  static final double MIN_MISSING_SHARE = 0.01;
  static final double LAMBDA = 1.0;

  private PointsCalibrator() {}

  /** One measure's learned shape: cuts on its raw value, log-odds per bin, missing bin if any. */
  private record Shape(double[] cuts, double[] logOdds, double missingLogOdds, boolean hasMissing) {
    double span() {
      double lo = Arrays.stream(logOdds).min().orElse(0);
      double hi = Arrays.stream(logOdds).max().orElse(0);
      if (hasMissing) {
        lo = Math.min(lo, missingLogOdds);
        hi = Math.max(hi, missingLogOdds);
      }
      return hi - lo;
    }

    double max() {
      double hi = Arrays.stream(logOdds).max().orElse(0);
      return hasMissing ? Math.max(hi, missingLogOdds) : hi;
    }
  }

  /**
   * @throws FailedPreconditionException with too few samples or churned/retained training samples
   */
  public static CalibrationResult calibrate(
      CompiledScorecard sc, List<LabeledSnapshot> samples, int horizonDays, long seed) {
    if (samples.size() < Calibrator.MIN_SAMPLES) {
      throw new FailedPreconditionException(
          "calibration needs at least " + Calibrator.MIN_SAMPLES + " labelled snapshots, got " + samples.size());
    }
    ScoredSamples scored = ScoredSamples.of(sc, samples);
    int n = samples.size();
    int k = sc.measureCount();
    boolean[] train = new boolean[n];
    int trainCount = 0;
    int trainPositives = 0;
    for (int i = 0; i < n; i++) {
      train[i] = Calibrator.inTraining(samples.get(i).accountId(), seed);
      if (train[i]) {
        trainCount++;
        trainPositives += scored.churned[i] ? 1 : 0;
      }
    }
    if (trainPositives < Calibrator.MIN_PER_CLASS || trainCount - trainPositives < Calibrator.MIN_PER_CLASS) {
      throw new FailedPreconditionException(
          "calibration needs at least " + Calibrator.MIN_PER_CLASS + " churned and " + Calibrator.MIN_PER_CLASS
              + " retained training samples, got " + trainPositives + " and " + (trainCount - trainPositives));
    }
    Shape[] shapes = fitShapes(sc, scored, train, trainCount);

    double journeyShare = 0;
    double spans = 0;
    for (int m = 0; m < k; m++) {
      if (shapes[m] == null) {
        journeyShare += sc.nominalShare(m);
      } else {
        spans += shapes[m].span();
      }
    }
    boolean keptHandWeights = spans <= 0;
    Map<String, Double> percent = new HashMap<>();
    Map<String, Measure> learnedMeasures = new HashMap<>();
    for (int m = 0; m < k; m++) {
      Measure measure = sc.measure(m);
      double share =
          keptHandWeights || shapes[m] == null ? sc.nominalShare(m) : (1 - journeyShare) * shapes[m].span() / spans;
      percent.put(measure.getMeasureId(), (double) Math.max(1, Math.round(100 * share)));
      learnedMeasures.put(measure.getMeasureId(), shapes[m] == null ? measure : withShape(measure, shapes[m]));
    }
    Scorecard learned = Calibrator.withWeights(withMeasures(sc.source(), learnedMeasures), percent);
    CompiledScorecard learnedCompiled = CompiledScorecard.compile(learned);
    ScoredSamples learnedScores = ScoredSamples.of(learnedCompiled, samples);

    // churn probability from the learned score, spread over the measures by their shares
    double[][] trainScore = new double[trainCount][];
    boolean[] trainChurned = new boolean[trainCount];
    double[] means = new double[k];
    int[] counted = new int[k];
    for (int i = 0, row = 0; i < n; i++) {
      if (train[i]) {
        trainScore[row] = new double[] {learnedScores.scores[i].score()};
        trainChurned[row++] = scored.churned[i];
        double[] points = learnedCompiled.evaluate(learnedScores.scores[i]).points();
        for (int m = 0; m < k; m++) {
          if (!Double.isNaN(points[m])) {
            means[m] += points[m];
            counted[m]++;
          }
        }
      }
    }
    LogisticRegression.Fit onScore = LogisticRegression.fit(trainScore, trainChurned, 1e-6);
    double slope = onScore.coefficients()[0];
    List<String> ids = new ArrayList<>();
    double[] coefficients = new double[k];
    for (int m = 0; m < k; m++) {
      ids.add(sc.measure(m).getMeasureId());
      coefficients[m] = slope * 0.9 * learnedCompiled.nominalShare(m);
      means[m] = counted[m] == 0 ? 5 : means[m] / counted[m];
    }
    String modelId = Calibrator.modelId(sc, horizonDays, seed, onScore) + "-points";
    ChurnModel model =
        new ChurnModel(modelId, sc.id(), sc.version(), horizonDays, onScore.intercept() + slope, ids, coefficients,
            means);

    int holdout = n - trainCount;
    double[] predicted = new double[holdout];
    double[] baseline = new double[holdout];
    double[] learnedScore = new double[holdout];
    boolean[] outcome = new boolean[holdout];
    double brier = 0;
    int positives = 0;
    for (int i = 0, row = 0; i < n; i++) {
      positives += scored.churned[i] ? 1 : 0;
      if (!train[i]) {
        predicted[row] = model.probability(learnedCompiled.evaluate(learnedScores.scores[i]).points());
        baseline[row] = 10 - scored.scores[i].score();
        learnedScore[row] = learnedScores.scores[i].score();
        outcome[row] = scored.churned[i];
        double err = predicted[row] - (outcome[row] ? 1 : 0);
        brier += err * err;
        row++;
      }
    }
    CalibrationReport.Builder report =
        CalibrationReport.newBuilder()
            .setModelId(modelId)
            .setScorecardId(sc.id())
            .setModelKind("points")
            .setHorizonDays(horizonDays)
            .setAuc(orHalf(Auc.of(predicted, outcome)))
            .setBaselineAuc(orHalf(Auc.of(baseline, outcome)))
            .setSamples(n)
            .setPositives(positives)
            .setHoldoutSamples(holdout)
            .setBrier(holdout == 0 ? 0 : brier / holdout)
            .addAllBuckets(Buckets.of(learnedScore, outcome, predicted))
            .setLearnedScorecard(learned.toBuilder().clearVersion().clearUpdateTime());
    for (int m = 0; m < k; m++) {
      report.addWeights(
          LearnedWeight.newBuilder()
              .setMeasureId(ids.get(m))
              .setCoefficient(coefficients[m])
              .setWeight(learnedCompiled.nominalShare(m))
              .setPreviousWeight(sc.nominalShare(m)));
    }
    return new CalibrationResult(model, report.build(), learned, keptHandWeights);
  }

  /** Each learnable measure's shape (null for a success journey), from one joint regression. */
  private static Shape[] fitShapes(CompiledScorecard sc, ScoredSamples scored, boolean[] train, int trainCount) {
    int n = scored.scores.length;
    int k = sc.measureCount();
    double[][] cuts = new double[k][];
    boolean[] missingColumn = new boolean[k];
    int[] offset = new int[k + 1];
    for (int m = 0; m < k; m++) {
      offset[m + 1] = offset[m];
      if (sc.measure(m).hasJourney()) {
        continue;
      }
      List<Double> values = new ArrayList<>();
      int missing = 0;
      for (int i = 0; i < n; i++) {
        if (train[i]) {
          double v = scored.scores[i].values()[m];
          if (Double.isNaN(v)) {
            missing++;
          } else {
            values.add(v);
          }
        }
      }
      cuts[m] = quantileCuts(values, (int) Math.ceil(MIN_BIN_SHARE * values.size()));
      missingColumn[m] = missing > 0 && missing >= MIN_MISSING_SHARE * trainCount;
      offset[m + 1] = offset[m] + cuts[m].length + 1 + (missingColumn[m] ? 1 : 0);
    }
    int columns = offset[k];
    double[][] x = new double[trainCount][columns];
    boolean[] y = new boolean[trainCount];
    double[][] binCounts = new double[k][];
    for (int m = 0; m < k; m++) {
      binCounts[m] = cuts[m] == null ? null : new double[cuts[m].length + 1];
    }
    for (int i = 0, row = 0; i < n; i++) {
      if (!train[i]) {
        continue;
      }
      for (int m = 0; m < k; m++) {
        if (cuts[m] == null) {
          continue;
        }
        double v = scored.scores[i].values()[m];
        if (Double.isNaN(v)) {
          if (missingColumn[m]) {
            x[row][offset[m + 1] - 1] = 1;
          }
        } else {
          int b = bin(cuts[m], v);
          x[row][offset[m] + b] = 1;
          binCounts[m][b]++;
        }
      }
      y[row++] = scored.churned[i];
    }
    LogisticRegression.Fit fit = LogisticRegression.fit(x, y, LAMBDA);
    Shape[] shapes = new Shape[k];
    for (int m = 0; m < k; m++) {
      if (cuts[m] == null) {
        continue;
      }
      double[] logOdds = Arrays.copyOfRange(fit.coefficients(), offset[m], offset[m] + cuts[m].length + 1);
      boolean lowerIsBetter = sc.measure(m).getDirection() == Direction.DIRECTION_LOWER_IS_BETTER;
      logOdds = monotone(logOdds, binCounts[m], lowerIsBetter);
      logOdds = steps(logOdds, binCounts[m], MAX_STEPS);
      double missingLogOdds = missingColumn[m] ? fit.coefficients()[offset[m + 1] - 1] : 0;
      shapes[m] = new Shape(cuts[m], logOdds, missingLogOdds, missingColumn[m]);
    }
    return shapes;
  }

  /** Cuts at quantiles, half-way between distinct neighbours, each bin at least {@code minBin} values. */
  static double[] quantileCuts(List<Double> values, int minBin) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    List<Double> cuts = new ArrayList<>();
    int last = 0;
    for (int q = 1; q < MAX_BINS; q++) {
      int i = (int) ((long) q * sorted.length / MAX_BINS);
      while (i < sorted.length && i > 0 && sorted[i] == sorted[i - 1]) {
        i++;
      }
      if (i <= 0 || i >= sorted.length || i - last < Math.max(1, minBin) || sorted.length - i < Math.max(1, minBin)) {
        continue;
      }
      cuts.add(sorted[i - 1] + (sorted[i] - sorted[i - 1]) / 2);
      last = i;
    }
    return cuts.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static int bin(double[] cuts, double v) {
    int b = 0;
    while (b < cuts.length && v >= cuts[b]) {
      b++;
    }
    return b;
  }

  /**
   * Weighted pool-adjacent-violators: the closest sequence that never decreases ({@code rising})
   * or never increases along the bins.
   */
  static double[] monotone(double[] values, double[] weights, boolean rising) {
    int n = values.length;
    double[] level = new double[n];
    double[] weight = new double[n];
    int[] size = new int[n];
    int blocks = 0;
    for (int i = 0; i < n; i++) {
      double v = rising ? values[i] : -values[i];
      level[blocks] = v;
      weight[blocks] = Math.max(weights[i], 1e-9);
      size[blocks] = 1;
      blocks++;
      while (blocks > 1 && level[blocks - 2] > level[blocks - 1]) {
        double w = weight[blocks - 2] + weight[blocks - 1];
        level[blocks - 2] = (level[blocks - 2] * weight[blocks - 2] + level[blocks - 1] * weight[blocks - 1]) / w;
        weight[blocks - 2] = w;
        size[blocks - 2] += size[blocks - 1];
        blocks--;
      }
    }
    double[] out = new double[n];
    for (int b = 0, i = 0; b < blocks; b++) {
      for (int j = 0; j < size[b]; j++) {
        out[i++] = rising ? level[b] : -level[b];
      }
    }
    return out;
  }

  /**
   * The bins' levels with neighbours merged into at most {@code maxSteps} runs: repeatedly the
   * adjacent pair of runs whose merge adds the least weighted squared error
   * ({@code w_a w_b / (w_a + w_b) × (level_a − level_b)²}) becomes one run at their weighted mean.
   * Merging neighbours keeps a monotone sequence monotone.
   */
  static double[] steps(double[] levels, double[] weights, int maxSteps) {
    List<double[]> runs = new ArrayList<>(); // {level, weight, bins}
    for (int i = 0; i < levels.length; i++) {
      runs.add(new double[] {levels[i], Math.max(weights[i], 1e-9), 1});
    }
    while (runs.size() > maxSteps) {
      int best = 0;
      double bestCost = Double.MAX_VALUE;
      for (int i = 0; i + 1 < runs.size(); i++) {
        double[] a = runs.get(i);
        double[] b = runs.get(i + 1);
        double cost = a[1] * b[1] / (a[1] + b[1]) * (a[0] - b[0]) * (a[0] - b[0]);
        if (cost < bestCost) {
          bestCost = cost;
          best = i;
        }
      }
      double[] a = runs.get(best);
      double[] b = runs.remove(best + 1);
      double w = a[1] + b[1];
      a[0] = (a[0] * a[1] + b[0] * b[1]) / w;
      a[1] = w;
      a[2] += b[2];
    }
    double[] out = new double[levels.length];
    int i = 0;
    for (double[] run : runs) {
      for (int j = 0; j < run[2]; j++) {
        out[i++] = run[0];
      }
    }
    return out;
  }

  /** The measure with thresholds from its shape and, with a missing bin, a fixed missing value. */
  private static Measure withShape(Measure measure, Shape shape) {
    double span = shape.span();
    double top = shape.max();
    int bins = shape.logOdds().length;
    double[] points = new double[bins];
    for (int b = 0; b < bins; b++) {
      points[b] = span <= 0 ? 5 : round1(10 * (top - shape.logOdds()[b]) / span);
    }
    // merge neighbours with equal points: fewer, wider steps
    List<Double> cuts = new ArrayList<>();
    List<Double> merged = new ArrayList<>();
    merged.add(points[0]);
    for (int b = 1; b < bins; b++) {
      if (points[b] != merged.get(merged.size() - 1)) {
        double cut = readable(shape.cuts()[b - 1]);
        // rounding must keep the cuts apart and the bins' values on their sides
        boolean keepsOrder = (cuts.isEmpty() || cut > cuts.get(cuts.size() - 1))
            && (b < 2 || cut > shape.cuts()[b - 2]) && (b >= shape.cuts().length || cut < shape.cuts()[b]);
        cuts.add(keepsOrder ? cut : shape.cuts()[b - 1]);
        merged.add(points[b]);
      }
    }
    ThresholdMapping.Builder t = ThresholdMapping.newBuilder();
    boolean lower = measure.getDirection() == Direction.DIRECTION_LOWER_IS_BETTER;
    if (cuts.isEmpty()) {
      // one flat step: every value earns the same points
      t.setBelowPoints(merged.get(0)).addThresholds(Threshold.newBuilder().setAt(0).setPoints(merged.get(0)));
    } else if (lower) {
      // steps from worst (high values) to best: a value at or below `at` reaches the step
      t.setBelowPoints(merged.get(merged.size() - 1));
      for (int s = cuts.size() - 1; s >= 0; s--) {
        t.addThresholds(Threshold.newBuilder().setAt(cuts.get(s)).setPoints(merged.get(s)));
      }
    } else {
      t.setBelowPoints(merged.get(0));
      for (int s = 0; s < cuts.size(); s++) {
        t.addThresholds(Threshold.newBuilder().setAt(cuts.get(s)).setPoints(merged.get(s + 1)));
      }
    }
    Measure.Builder b = measure.toBuilder().setThresholds(t);
    if (shape.hasMissing()) {
      b.setMissingPolicy(MissingPolicy.MISSING_POLICY_FIXED)
          .setMissingPoints(span <= 0 ? 5 : round1(10 * (top - shape.missingLogOdds()) / span));
    }
    return b.build();
  }

  private static Scorecard withMeasures(Scorecard sc, Map<String, Measure> byId) {
    Scorecard.Builder b = sc.toBuilder().clearComponents();
    for (io.healthscore.v1.Component c : sc.getComponentsList()) {
      b.addComponents(replace(c, byId));
    }
    return b.build();
  }

  private static io.healthscore.v1.Component replace(io.healthscore.v1.Component c, Map<String, Measure> byId) {
    io.healthscore.v1.Component.Builder b = c.toBuilder().clearMeasures().clearComponents();
    for (Measure m : c.getMeasuresList()) {
      b.addMeasures(byId.get(m.getMeasureId()));
    }
    for (io.healthscore.v1.Component child : c.getComponentsList()) {
      b.addComponents(replace(child, byId));
    }
    return b.build();
  }

  private static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /** Three significant digits, as a person would write a threshold. */
  private static double readable(double v) {
    return v == 0 ? 0 : new BigDecimal(v).round(new MathContext(3)).doubleValue();
  }

  private static double orHalf(double auc) {
    return Double.isNaN(auc) ? 0.5 : auc;
  }
}
