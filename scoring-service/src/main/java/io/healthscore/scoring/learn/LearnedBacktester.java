package io.healthscore.scoring.learn;

import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.scoring.learn.ebm.EbmModel;
import io.healthscore.scoring.learn.ebm.EbmSettings;
import io.healthscore.scoring.learn.ebm.EbmTrainer;
import io.healthscore.scoring.learn.ebm.TrainingMonitor;
import io.healthscore.scoring.learn.ebm.TrainingTable;
import io.healthscore.v1.BacktestReport;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Backtests of a learned model's recipe on labelled snapshots: as stored (its own probabilities,
 * which flatter it on samples it was trained on), by k-fold (retrained on k − 1 folds of accounts,
 * each fold predicted by the model that never saw it), or by time (retrained on snapshots before
 * the split, tested on the rest). Refits use at most four outer bags: a backtest trains k models
 * where calibration trains one.
 */
public final class LearnedBacktester {
  private LearnedBacktester() {}

  /** How a backtest reads bands: the tested model's cut-offs, and targets for the suggestion (nullable). */
  public record BacktestBands(ProbabilityBands cutoffs, BandSuggestions.Targets targets) {}

  public static BacktestReport asStored(
      LearnedChurnModel model, List<LabeledSnapshot> samples, int horizonDays, BandSuggestions.Targets targets) {
    double[] p = new double[samples.size()];
    boolean[] y = new boolean[samples.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = model.churnProbability(samples.get(i).snapshot());
      y[i] = samples.get(i).churned();
    }
    return report(model.modelId(), "in-sample", p, y, horizonDays, new BacktestBands(model.bands(), targets));
  }

  public static BacktestReport kFold(
      String modelId, List<LabeledSnapshot> samples, int horizonDays, int folds, EbmSettings settings, BacktestBands bands) {
    TrainingTable table = FeatureTables.of(samples);
    int n = samples.size();
    int[] fold = new int[n];
    for (int i = 0; i < n; i++) {
      fold[i] = Math.floorMod(samples.get(i).accountId().hashCode() * 0x9E3779B9, folds);
    }
    double[] p = new double[n];
    for (int k = 0; k < folds; k++) {
      int[] train = rows(fold, k, false);
      int[] test = rows(fold, k, true);
      if (test.length == 0) {
        continue;
      }
      double[] predicted = fit(table, train, settings).predict(FeatureTables.rows(table, test));
      for (int i = 0; i < test.length; i++) {
        p[test[i]] = predicted[i];
      }
    }
    return report(modelId, folds + "-fold", p, table.churned(), horizonDays, bands);
  }

  public static BacktestReport timeSplit(
      String modelId,
      List<LabeledSnapshot> samples,
      int horizonDays,
      long splitMillis,
      EbmSettings settings,
      BacktestBands bands) {
    TrainingTable table = FeatureTables.of(samples);
    int[] side = new int[samples.size()];
    for (int i = 0; i < side.length; i++) {
      side[i] = samples.get(i).asOfMillis() < splitMillis ? 0 : 1;
    }
    int[] train = rows(side, 1, false);
    int[] test = rows(side, 1, true);
    if (test.length == 0) {
      throw new FailedPreconditionException("no snapshot at or after split_time to test on");
    }
    TrainingTable testTable = FeatureTables.rows(table, test);
    double[] p = fit(table, train, settings).predict(testTable);
    return report(modelId, "time split", p, testTable.churned(), horizonDays, bands);
  }

  private static EbmModel fit(TrainingTable table, int[] rows, EbmSettings settings) {
    TrainingTable train = FeatureTables.rows(table, rows);
    int positives = 0;
    for (boolean c : train.churned()) {
      positives += c ? 1 : 0;
    }
    if (positives < 2 || train.rows() - positives < 2) {
      throw new FailedPreconditionException(
          "a training part has " + positives + " churned and " + (train.rows() - positives)
              + " retained snapshots; at least 2 of each are needed");
    }
    EbmSettings refit = settings.toBuilder().outerBags(Math.min(4, settings.outerBags())).build();
    return EbmTrainer.train(train, refit, TrainingMonitor.NONE);
  }

  private static int[] rows(int[] group, int k, boolean inside) {
    return IntStream.range(0, group.length).filter(i -> (group[i] == k) == inside).toArray();
  }

  /**
   * Probability metrics, deciles and ROC points; churn per band by the model's probability
   * cut-offs, and the cut-offs these samples suggest.
   */
  static BacktestReport report(
      String modelId, String method, double[] p, boolean[] y, int horizonDays, BacktestBands bands) {
    long positives = 0;
    long[] bandRows = new long[3];
    long[] bandChurned = new long[3];
    for (int i = 0; i < p.length; i++) {
      positives += y[i] ? 1 : 0;
      int band = p[i] > bands.cutoffs().redAbove() ? 0 : p[i] > bands.cutoffs().yellowAbove() ? 1 : 2;
      bandRows[band]++;
      bandChurned[band] += y[i] ? 1 : 0;
    }
    double auc = Auc.of(p, y);
    double overall = p.length == 0 ? 0 : (double) positives / p.length;
    double red = bandRows[0] == 0 ? 0 : (double) bandChurned[0] / bandRows[0];
    List<Double> rates = new ArrayList<>();
    for (int b = 0; b < 3; b++) {
      rates.add(bandRows[b] == 0 ? 0 : (double) bandChurned[b] / bandRows[b]);
    }
    return BacktestReport.newBuilder()
        .setModelId(modelId)
        .setMethod(method)
        .setHorizonDays(horizonDays)
        .setSamples(p.length)
        .setPositives(positives)
        .setAuc(Double.isNaN(auc) ? 0.5 : auc)
        .setPrAuc(ClassifierMetrics.prAuc(p, y))
        .setBrier(ClassifierMetrics.brier(p, y))
        .setLogLoss(ClassifierMetrics.logLoss(p, y))
        .setExpectedCalibrationError(ClassifierMetrics.expectedCalibrationError(p, y))
        .setTopDecileLift(ClassifierMetrics.topDecileLift(p, y))
        .addAllDeciles(ClassifierMetrics.deciles(p, y))
        .addAllRocCurve(ClassifierMetrics.rocCurve(p, y, 50))
        .setRedChurnRate(rates.get(0))
        .setYellowChurnRate(rates.get(1))
        .setGreenChurnRate(rates.get(2))
        .setRedLift(overall == 0 ? 0 : red / overall)
        .setRedRecall(positives == 0 ? 0 : (double) bandChurned[0] / positives)
        .setSuggestedBands(BandSuggestions.suggest(p, y, bands.targets()))
        .build();
  }
}
