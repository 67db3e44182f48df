package io.healthscore.scoring.learn;

import java.util.Arrays;
import java.util.Comparator;

/** Area under the ROC curve by ranks (Mann-Whitney U), ties sharing their mean rank. */
public final class Auc {
  private Auc() {}

  /** Probability that a random positive ranks above a random negative; NaN without both classes. */
  public static double of(double[] predictor, boolean[] positive) {
    int n = predictor.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> predictor[i]));
    double positiveRankSum = 0;
    long positives = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && predictor[order[j + 1]] == predictor[order[i]]) {
        j++;
      }
      double meanRank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (positive[order[k]]) {
          positiveRankSum += meanRank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }
}
