package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.Bands;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.v1.Band;
import io.healthscore.v1.BacktestReport;
import java.util.List;

/**
 * How well a scorecard (or a churn model on it) would have predicted past churn: every labelled
 * snapshot is scored as of its date, without hysteresis, and compared with what followed.
 */
public final class Backtester {
  private Backtester() {}

  /**
   * AUC of (10 − score), or of the model's probability when a model is given; churn rate per band
   * (band of the score by the scorecard's cut-offs); red lift (red churn rate over the overall
   * rate); red recall (share of churned samples that were red); buckets per whole score with the
   * model's mean probability as predicted (0 without a model). Rates of an empty band are 0.
   */
  public static BacktestReport run(
      CompiledScorecard sc, ChurnModel modelOrNull, List<LabeledSnapshot> samples, int horizonDays) {
    ScoredSamples scored = ScoredSamples.of(sc, samples);
    int n = samples.size();
    double[] predictor = new double[n];
    double[] score = new double[n];
    double[] predicted = modelOrNull == null ? null : new double[n];
    long[] bandSamples = new long[4];
    long[] bandChurned = new long[4];
    long positives = 0;
    for (int i = 0; i < n; i++) {
      score[i] = scored.scores[i].score();
      if (modelOrNull != null) {
        predicted[i] = modelOrNull.churnProbability(sc, scored.scores[i]);
        predictor[i] = predicted[i];
      } else {
        predictor[i] = 10 - score[i];
      }
      Band band = Bands.of(score[i], sc.bands());
      bandSamples[band.getNumber()]++;
      if (scored.churned[i]) {
        bandChurned[band.getNumber()]++;
        positives++;
      }
    }
    double overall = n == 0 ? 0 : (double) positives / n;
    double red = rate(bandChurned, bandSamples, Band.BAND_RED);
    double auc = Auc.of(predictor, scored.churned);
    return BacktestReport.newBuilder()
        .setScorecardId(sc.id())
        .setModelId(modelOrNull == null ? "" : modelOrNull.modelId())
        .setHorizonDays(horizonDays)
        .setSamples(n)
        .setPositives(positives)
        .setAuc(Double.isNaN(auc) ? 0.5 : auc)
        .setRedChurnRate(red)
        .setYellowChurnRate(rate(bandChurned, bandSamples, Band.BAND_YELLOW))
        .setGreenChurnRate(rate(bandChurned, bandSamples, Band.BAND_GREEN))
        .setRedLift(overall == 0 ? 0 : red / overall)
        .setRedRecall(positives == 0 ? 0 : (double) bandChurned[Band.BAND_RED_VALUE] / positives)
        .addAllBuckets(Buckets.of(score, scored.churned, predicted))
        .build();
  }

  private static double rate(long[] churned, long[] samples, Band band) {
    int b = band.getNumber();
    return samples[b] == 0 ? 0 : (double) churned[b] / samples[b];
  }
}
