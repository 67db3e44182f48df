package io.healthscore.scoring.learn;

import io.healthscore.v1.CalibrationBucket;
import java.util.ArrayList;
import java.util.List;

/** Observed (and predicted) churn per whole score: [1,2), [2,3), ..., [9,10]. */
final class Buckets {
  private Buckets() {}

  /** {@code predicted} may be null: the buckets' predicted stays 0. */
  static List<CalibrationBucket> of(double[] score, boolean[] churned, double[] predicted) {
    long[] samples = new long[9];
    long[] positives = new long[9];
    double[] predictedSum = new double[9];
    for (int i = 0; i < score.length; i++) {
      int b = (int) Math.floor(score[i]) - 1;
      b = Math.max(0, Math.min(8, b));
      samples[b]++;
      positives[b] += churned[i] ? 1 : 0;
      predictedSum[b] += predicted == null ? 0 : predicted[i];
    }
    List<CalibrationBucket> buckets = new ArrayList<>();
    for (int b = 0; b < 9; b++) {
      buckets.add(
          CalibrationBucket.newBuilder()
              .setScoreFrom(b + 1)
              .setScoreTo(b + 2)
              .setSamples(samples[b])
              .setChurnRate(samples[b] == 0 ? 0 : (double) positives[b] / samples[b])
              .setPredicted(samples[b] == 0 ? 0 : predictedSum[b] / samples[b])
              .build());
    }
    return buckets;
  }
}
