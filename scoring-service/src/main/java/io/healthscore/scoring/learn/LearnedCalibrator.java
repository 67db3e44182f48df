package io.healthscore.scoring.learn;

import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.scoring.learn.ebm.EbmModel;
import io.healthscore.scoring.learn.ebm.EbmSettings;
import io.healthscore.scoring.learn.ebm.EbmTrainer;
import io.healthscore.scoring.learn.ebm.TrainingMonitor;
import io.healthscore.scoring.learn.ebm.TrainingTable;
import io.healthscore.v1.BandSuggestion;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.TermImportance;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Learns a churn model from every feature of the labelled snapshots in scope, with no scorecard:
 * the snapshots' accounts are split by a hash of their id (80% train, 20% hold-out, the same split
 * as scorecard calibration); an explainable boosting machine is trained on the training accounts,
 * and the hold-out measures it (ROC AUC, PR AUC, Brier, log loss, calibration error) beside a
 * plain logistic regression on the same features. Below {@link #REFIT_BELOW_SAMPLES} snapshots
 * the model served is then trained the same way on every account; the report's metrics are the
 * hold-out's, of the model that did not see it.
 */
public final class LearnedCalibrator {
  static final int MIN_SAMPLES = 20;
  static final int MIN_PER_CLASS = 2;
  /** Served cut-offs without targets: yellow above a 10% churn probability, red above 40%. */
  static final double YELLOW_ABOVE = 0.10;
  static final double RED_ABOVE = 0.40;
  /**
   * Below this many labelled snapshots the served model is trained again on all of them once the
   * hold-out has measured the recipe: a fifth more data is worth a second training there (the
   * accuracy benchmark's learning curve), and above it the gain is small and the time large.
   */
  static final int REFIT_BELOW_SAMPLES = 150_000;

  /** The model and its report (state left for the caller to set). */
  public record Result(LearnedChurnModel model, CalibrationReport report) {}

  private LearnedCalibrator() {}

  /**
   * @param segments scope; empty for all accounts
   * @throws FailedPreconditionException with too few samples, or too few of a class, in scope
   * @throws java.util.concurrent.CancellationException when the monitor cancels
   */
  public static Result calibrate(
      List<LabeledSnapshot> all,
      int horizonDays,
      Set<String> segments,
      long nowMillis,
      EbmSettings settings,
      BandSuggestions.Targets targets,
      TrainingMonitor monitor) {
    List<LabeledSnapshot> samples = new ArrayList<>();
    for (LabeledSnapshot s : all) {
      if (segments.isEmpty() || segments.contains(s.snapshot().segment())) {
        samples.add(s);
      }
    }
    if (samples.size() < MIN_SAMPLES) {
      throw new FailedPreconditionException(
          "learning needs at least " + MIN_SAMPLES + " labelled snapshots in scope, got " + samples.size());
    }
    TrainingTable table = FeatureTables.of(samples);
    int n = samples.size();
    int[] trainRows = new int[n];
    int[] holdRows = new int[n];
    int trainCount = 0;
    int holdCount = 0;
    int trainPositives = 0;
    long positives = 0;
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    for (int i = 0; i < n; i++) {
      LabeledSnapshot s = samples.get(i);
      positives += s.churned() ? 1 : 0;
      start = Math.min(start, s.asOfMillis());
      end = Math.max(end, s.asOfMillis());
      if (Calibrator.inTraining(s.accountId(), settings.seed())) {
        trainRows[trainCount++] = i;
        trainPositives += s.churned() ? 1 : 0;
      } else {
        holdRows[holdCount++] = i;
      }
    }
    if (trainPositives < MIN_PER_CLASS || trainCount - trainPositives < MIN_PER_CLASS) {
      throw new FailedPreconditionException(
          "learning needs at least " + MIN_PER_CLASS + " churned and " + MIN_PER_CLASS
              + " retained training samples, got " + trainPositives + " and " + (trainCount - trainPositives));
    }
    TrainingTable train = FeatureTables.rows(table, java.util.Arrays.copyOf(trainRows, trainCount));
    TrainingTable hold = FeatureTables.rows(table, java.util.Arrays.copyOf(holdRows, holdCount));
    boolean refit = holdCount > 0 && n < REFIT_BELOW_SAMPLES;
    EbmModel measured = EbmTrainer.train(train, settings, refit ? monitor.part(0, 0.5) : monitor);
    String modelId = modelId(nowMillis, horizonDays, segments, n);
    // cut-offs from the hold-out's outcomes when it can tell, else from the training rows; without
    // targets at fixed probability levels, which mean the same on the live population
    TrainingTable bandRows = enoughToSuggest(hold) ? hold : train;
    BandSuggestion suggestion = targets == null
        ? BandSuggestions.atLevels(measured.predict(bandRows), bandRows.churned(), YELLOW_ABOVE, RED_ABOVE)
        : BandSuggestions.suggest(measured.predict(bandRows), bandRows.churned(), targets);
    // the hold-out has measured the recipe; the served model learns from every account
    EbmModel ebm = refit ? EbmTrainer.train(table, settings, monitor.part(0.5, 1)) : measured;
    LearnedChurnModel model =
        new LearnedChurnModel(modelId, horizonDays, segments, ebm, nowMillis, ProbabilityBands.of(suggestion));

    CalibrationReport.Builder report =
        CalibrationReport.newBuilder()
            .setModelId(modelId)
            .setModelKind("ebm")
            .setHorizonDays(horizonDays)
            .setSamples(n)
            .setPositives(positives)
            .setHoldoutSamples(holdCount)
            .setDataStartTime(Timestamps.fromMillis(start))
            .setDataEndTime(Timestamps.fromMillis(end))
            .setSuggestedBands(suggestion)
            .addAllSegments(new java.util.TreeSet<>(segments));
    for (int f = 0; f < ebm.featureCount(); f++) {
      report.addFeatures(ebm.feature(f).name());
    }
    for (int k = 0; k < ebm.pairCount(); k++) {
      report.addInteractions(ebm.termName(ebm.featureCount() + k));
    }
    report.addAllImportances(importances(ebm, refit ? table : train));
    if (holdCount > 0) {
      double[] p = measured.predict(hold);
      boolean[] y = hold.churned();
      report
          .setAuc(orHalf(Auc.of(p, y)))
          .setPrAuc(ClassifierMetrics.prAuc(p, y))
          .setBrier(ClassifierMetrics.brier(p, y))
          .setLogLoss(ClassifierMetrics.logLoss(p, y))
          .setExpectedCalibrationError(ClassifierMetrics.expectedCalibrationError(p, y))
          .addAllBuckets(ClassifierMetrics.deciles(p, y));
      try {
        report.setLogisticAuc(orHalf(Auc.of(LogisticBaseline.fit(train).predict(hold), y)));
      } catch (RuntimeException e) {
        report.setLogisticAuc(0.5); // a singular design (e.g. one constant column) has no baseline
      }
    } else {
      report.setAuc(0.5).setLogisticAuc(0.5);
    }
    return new Result(model, report.build());
  }

  private static boolean enoughToSuggest(TrainingTable rows) {
    int positives = 0;
    for (boolean c : rows.churned()) {
      positives += c ? 1 : 0;
    }
    return rows.rows() >= BandSuggestions.MIN_SAMPLES && positives >= MIN_PER_CLASS
        && rows.rows() - positives >= MIN_PER_CLASS;
  }

  /** Mean |contribution| of every term over the training rows, largest first. */
  static List<TermImportance> importances(EbmModel ebm, TrainingTable train) {
    double[] mean = ebm.meanAbsContributions(train);
    List<TermImportance> out = new ArrayList<>();
    for (int t = 0; t < mean.length; t++) {
      out.add(TermImportance.newBuilder().setTerm(ebm.termName(t)).setMeanAbsLogit(mean[t]).build());
    }
    out.sort(Comparator.comparingDouble((TermImportance i) -> -i.getMeanAbsLogit()));
    return out;
  }

  private static double orHalf(double auc) {
    return Double.isNaN(auc) ? 0.5 : auc;
  }

  private static String modelId(long now, int horizon, Set<String> segments, int samples) {
    int h = (int) (now ^ (now >>> 32)) * 31 + horizon * 17 + segments.hashCode() * 7 + samples;
    return String.format(Locale.ROOT, "ebm-%d-%08x", now, h);
  }
}
