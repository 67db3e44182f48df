package io.healthscore.cli.report;

import io.healthscore.v1.CalibrationBucket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An ROC curve from a backtest's score buckets: flagging every account scored below a cut-off as
 * at risk, for each bucket boundary from the lowest score up, gives one (false positive rate, true
 * positive rate) point. Coarser than per-sample points, exact at the bucket boundaries.
 */
final class Roc {
  private Roc() {}

  static List<double[]> fromBuckets(List<CalibrationBucket> buckets) {
    List<CalibrationBucket> ordered = new ArrayList<>(buckets);
    ordered.sort(Comparator.comparingDouble(CalibrationBucket::getScoreFrom));
    double positives = 0;
    double negatives = 0;
    for (CalibrationBucket b : ordered) {
      double churned = b.getSamples() * b.getChurnRate();
      positives += churned;
      negatives += b.getSamples() - churned;
    }
    List<double[]> points = new ArrayList<>();
    if (positives == 0 || negatives == 0) {
      return points;
    }
    points.add(new double[] {0, 0});
    double tp = 0;
    double fp = 0;
    for (CalibrationBucket b : ordered) {
      double churned = b.getSamples() * b.getChurnRate();
      tp += churned;
      fp += b.getSamples() - churned;
      points.add(new double[] {fp / negatives, tp / positives});
    }
    return points;
  }
}
