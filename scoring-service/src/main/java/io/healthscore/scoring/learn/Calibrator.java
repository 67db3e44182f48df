package io.healthscore.scoring.learn;

import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.Component;
import io.healthscore.v1.LearnedWeight;
import io.healthscore.v1.Measure;
import io.healthscore.v1.Scorecard;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Learns from labelled snapshots which measures predict churn.
 *
 * <ol>
 *   <li>Every sample is scored; its inputs are the measures' points (0 to 10; a measure without
 *       points takes its mean over the training samples).
 *   <li>Accounts are split deterministically by a hash of account id and seed: 80% train, 20%
 *       hold-out, so no account's snapshots sit on both sides.
 *   <li>An L2-regularised logistic regression (penalty {@value #LAMBDA} on standardised
 *       coefficients) is fitted on the training part.
 *   <li>On the hold-out: AUC and Brier score of the model, AUC of the hand-weighted score (10 −
 *       score) as baseline, and observed against predicted churn per whole score of the
 *       calibrated scorecard.
 *   <li>Learned weight of a measure = −coefficient per point when the coefficient is negative and
 *       significant (Wald z ≤ −1.96), else 0; normalised to sum 1, each at least 0.001 as weights
 *       must be above zero. Only measures whose points go with less churn earn weight. If none
 *       does, the hand weights are kept and the result says so.
 * </ol>
 */
public final class Calibrator {
  /** L2 penalty: weak enough for a few hundred samples, enough to keep noise measures near 0. */
  static final double LAMBDA = 1.0;

  /**
   * A measure earns weight only when its coefficient is negative with a Wald z at or below −1.96
   * (95% two-sided), so chance correlations of noise measures do not take weight.
   */
  static final double SIGNIFICANT_Z = 1.96;

  /** Share of the samples' accounts used for training. */
  static final int TRAIN_PERCENT = 80;

  /** Smallest share a measure keeps in the calibrated scorecard, as weights must be above zero. */
  static final double MIN_SHARE = 0.001;

  /** Fewest samples, and fewest churned and retained training samples, calibration accepts. */
  static final int MIN_SAMPLES = 20;

  static final int MIN_PER_CLASS = 2;

  private Calibrator() {}

  /**
   * @throws FailedPreconditionException when there are too few samples or churned/retained
   *     samples to learn from
   */
  public static CalibrationResult calibrate(
      CompiledScorecard sc, List<LabeledSnapshot> samples, int horizonDays, long seed) {
    if (samples.size() < MIN_SAMPLES) {
      throw new FailedPreconditionException(
          "calibration needs at least " + MIN_SAMPLES + " labelled snapshots, got " + samples.size());
    }
    ScoredSamples scored = ScoredSamples.of(sc, samples);
    int n = samples.size();
    int k = sc.measureCount();
    double[][] points = new double[n][];
    boolean[] train = new boolean[n];
    int trainCount = 0;
    int trainPositives = 0;
    for (int i = 0; i < n; i++) {
      points[i] = sc.evaluate(scored.scores[i]).points();
      train[i] = inTraining(samples.get(i).accountId(), seed);
      if (train[i]) {
        trainCount++;
        trainPositives += scored.churned[i] ? 1 : 0;
      }
    }
    if (trainPositives < MIN_PER_CLASS || trainCount - trainPositives < MIN_PER_CLASS) {
      throw new FailedPreconditionException(
          "calibration needs at least " + MIN_PER_CLASS + " churned and " + MIN_PER_CLASS
              + " retained training samples, got " + trainPositives + " and " + (trainCount - trainPositives));
    }

    double[] means = new double[k];
    for (int j = 0; j < k; j++) {
      double sum = 0;
      int count = 0;
      for (int i = 0; i < n; i++) {
        if (train[i] && !Double.isNaN(points[i][j])) {
          sum += points[i][j];
          count++;
        }
      }
      means[j] = count == 0 ? 5 : sum / count;
    }
    double[][] x = new double[trainCount][k];
    boolean[] y = new boolean[trainCount];
    for (int i = 0, row = 0; i < n; i++) {
      if (train[i]) {
        for (int j = 0; j < k; j++) {
          x[row][j] = Double.isNaN(points[i][j]) ? means[j] : points[i][j];
        }
        y[row++] = scored.churned[i];
      }
    }
    LogisticRegression.Fit fit = LogisticRegression.fit(x, y, LAMBDA);

    List<String> ids = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      ids.add(sc.measure(j).getMeasureId());
    }
    String modelId = modelId(sc, horizonDays, seed, fit);
    ChurnModel model =
        new ChurnModel(modelId, sc.id(), sc.version(), horizonDays, fit.intercept(), ids, fit.coefficients(), means);

    double[] learned = new double[k];
    double total = 0;
    for (int j = 0; j < k; j++) {
      learned[j] = fit.z()[j] <= -SIGNIFICANT_Z ? -fit.coefficients()[j] : 0;
      total += learned[j];
    }
    boolean keptHandWeights = total <= 0;
    double[] shares = new double[k];
    if (keptHandWeights) {
      for (int j = 0; j < k; j++) {
        shares[j] = sc.nominalShare(j);
      }
    } else {
      double floored = 0;
      for (int j = 0; j < k; j++) {
        shares[j] = Math.max(MIN_SHARE, learned[j] / total);
        floored += shares[j];
      }
      for (int j = 0; j < k; j++) {
        shares[j] /= floored;
      }
    }
    Map<String, Double> shareById = new HashMap<>();
    for (int j = 0; j < k; j++) {
      shareById.put(ids.get(j), shares[j]);
    }
    Scorecard calibrated = keptHandWeights ? sc.source() : withWeights(sc.source(), shareById);
    CompiledScorecard calibratedCompiled = CompiledScorecard.compile(calibrated);
    ScoredSamples calibratedScores = ScoredSamples.of(calibratedCompiled, samples);

    int holdout = n - trainCount;
    double[] predicted = new double[holdout];
    double[] baseline = new double[holdout];
    double[] calibratedScore = new double[holdout];
    boolean[] outcome = new boolean[holdout];
    double brier = 0;
    for (int i = 0, row = 0; i < n; i++) {
      if (!train[i]) {
        predicted[row] = model.probability(points[i]);
        baseline[row] = 10 - scored.scores[i].score();
        calibratedScore[row] = calibratedScores.scores[i].score();
        outcome[row] = scored.churned[i];
        double err = predicted[row] - (outcome[row] ? 1 : 0);
        brier += err * err;
        row++;
      }
    }
    int positives = 0;
    for (boolean c : scored.churned) {
      positives += c ? 1 : 0;
    }
    CalibrationReport.Builder report =
        CalibrationReport.newBuilder()
            .setModelId(modelId)
            .setScorecardId(sc.id())
            .setHorizonDays(horizonDays)
            .setAuc(orHalf(Auc.of(predicted, outcome)))
            .setBaselineAuc(orHalf(Auc.of(baseline, outcome)))
            .setSamples(n)
            .setPositives(positives)
            .setBrier(holdout == 0 ? 0 : brier / holdout)
            .addAllBuckets(Buckets.of(calibratedScore, outcome, predicted))
            // what activation serves, so activating this model again later restores its weights
            .setLearnedScorecard(calibrated.toBuilder().clearVersion().clearUpdateTime());
    for (int j = 0; j < k; j++) {
      report.addWeights(
          LearnedWeight.newBuilder()
              .setMeasureId(ids.get(j))
              .setCoefficient(fit.coefficients()[j])
              .setWeight(shares[j])
              .setPreviousWeight(sc.nominalShare(j)));
    }
    return new CalibrationResult(model, report.build(), calibrated, keptHandWeights);
  }

  /** AUC is undefined when the hold-out lacks churned or retained samples: report chance, 0.5. */
  private static double orHalf(double auc) {
    return Double.isNaN(auc) ? 0.5 : auc;
  }

  /** Deterministic split by account: the same account and seed always land on the same side. */
  static boolean inTraining(String accountId, long seed) {
    long h = accountId.hashCode() * 0x9E3779B97F4A7C15L ^ seed;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return Math.floorMod(h, 100) < TRAIN_PERCENT;
  }

  static String modelId(CompiledScorecard sc, int horizonDays, long seed, LogisticRegression.Fit fit) {
    long h = seed * 31 + horizonDays;
    h = h * 31 + Double.hashCode(fit.intercept());
    for (double c : fit.coefficients()) {
      h = h * 31 + Double.hashCode(c);
    }
    return sc.id() + "-v" + sc.version() + "-h" + horizonDays + "-" + String.format("%08x", (int) (h ^ (h >>> 32)));
  }

  /**
   * The scorecard with each measure's weight set to its share and each component's weight to the
   * sum of its measures' shares, so every measure's share of the total is its learned share.
   */
  static Scorecard withWeights(Scorecard sc, Map<String, Double> share) {
    Scorecard.Builder b = sc.toBuilder().clearComponents();
    for (Component c : sc.getComponentsList()) {
      b.addComponents(reweigh(c, share));
    }
    return b.build();
  }

  private static Component reweigh(Component c, Map<String, Double> share) {
    Component.Builder b = c.toBuilder().clearMeasures().clearComponents();
    double total = 0;
    for (Measure m : c.getMeasuresList()) {
      double w = share.get(m.getMeasureId());
      b.addMeasures(m.toBuilder().setWeight(w));
      total += w;
    }
    for (Component child : c.getComponentsList()) {
      Component reweighed = reweigh(child, share);
      b.addComponents(reweighed);
      total += reweighed.getWeight();
    }
    return b.setWeight(total).build();
  }
}
