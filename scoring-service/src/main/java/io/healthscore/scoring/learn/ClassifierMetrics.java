package io.healthscore.scoring.learn;

import io.healthscore.v1.CalibrationBucket;
import io.healthscore.v1.RocPoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * How well churn probabilities predicted what happened: ranking (ROC AUC, PR AUC, top-decile
 * lift), accuracy of the probabilities (Brier score, log loss) and calibration (expected
 * calibration error over ten equal-width probability bins).
 */
public final class ClassifierMetrics {
  private ClassifierMetrics() {}

  /** Mean squared distance of the probabilities from the outcomes (0 is perfect). */
  public static double brier(double[] p, boolean[] y) {
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      double d = p[i] - (y[i] ? 1 : 0);
      sum += d * d;
    }
    return p.length == 0 ? 0 : sum / p.length;
  }

  /** Mean negative log-likelihood, probabilities clamped to [1e-15, 1 − 1e-15]. */
  public static double logLoss(double[] p, boolean[] y) {
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      double q = Math.min(Math.max(y[i] ? p[i] : 1 - p[i], 1e-15), 1);
      sum -= Math.log(q);
    }
    return p.length == 0 ? 0 : sum / p.length;
  }

  /**
   * Expected calibration error: over ten equal-width bins of predicted probability, the
   * row-weighted mean of |mean predicted − observed churn rate|.
   */
  public static double expectedCalibrationError(double[] p, boolean[] y) {
    double[] predicted = new double[10];
    double[] observed = new double[10];
    int[] rows = new int[10];
    for (int i = 0; i < p.length; i++) {
      int bin = Math.min(9, (int) (Math.max(0, p[i]) * 10));
      predicted[bin] += p[i];
      observed[bin] += y[i] ? 1 : 0;
      rows[bin]++;
    }
    double ece = 0;
    for (int b = 0; b < 10; b++) {
      if (rows[b] > 0) {
        ece += Math.abs(predicted[b] - observed[b]) / p.length;
      }
    }
    return ece;
  }

  /**
   * Area under the precision-recall curve as average precision: the mean, over churned rows, of
   * the precision among the rows ranked at or above it (ties share one precision).
   */
  public static double prAuc(double[] p, boolean[] y) {
    Integer[] order = byDescending(p);
    long positives = 0;
    for (boolean b : y) {
      positives += b ? 1 : 0;
    }
    if (positives == 0) {
      return 0;
    }
    double sum = 0;
    long seen = 0;
    long hits = 0;
    int i = 0;
    while (i < order.length) {
      int j = i;
      long tiedHits = 0;
      while (j < order.length && p[order[j]] == p[order[i]]) {
        tiedHits += y[order[j]] ? 1 : 0;
        j++;
      }
      seen += j - i;
      hits += tiedHits;
      sum += tiedHits * ((double) hits / seen);
      i = j;
    }
    return sum / positives;
  }

  /** Churn rate of the 10% of rows with the highest probability over the overall rate. */
  public static double topDecileLift(double[] p, boolean[] y) {
    Integer[] order = byDescending(p);
    int top = Math.max(1, order.length / 10);
    double topChurn = 0;
    double all = 0;
    for (int i = 0; i < order.length; i++) {
      double v = y[order[i]] ? 1 : 0;
      all += v;
      if (i < top) {
        topChurn += v;
      }
    }
    return all == 0 ? 0 : (topChurn / top) / (all / order.length);
  }

  /**
   * Rows ordered by probability in ten equal groups (riskiest last): each group's probability
   * range (score_from, score_to), rows, observed churn rate and mean predicted probability.
   */
  public static List<CalibrationBucket> deciles(double[] p, boolean[] y) {
    Integer[] order = byDescending(p);
    List<CalibrationBucket> out = new ArrayList<>();
    int n = order.length;
    for (int d = 9; d >= 0 && n > 0; d--) {
      int from = (int) ((long) d * n / 10);
      int to = (int) ((long) (d + 1) * n / 10);
      if (to <= from) {
        continue;
      }
      double churned = 0;
      double predicted = 0;
      for (int i = from; i < to; i++) {
        churned += y[order[i]] ? 1 : 0;
        predicted += p[order[i]];
      }
      out.add(
          CalibrationBucket.newBuilder()
              .setScoreFrom(p[order[to - 1]])
              .setScoreTo(p[order[from]])
              .setSamples(to - from)
              .setChurnRate(churned / (to - from))
              .setPredicted(predicted / (to - from))
              .build());
    }
    return out;
  }

  /** The ROC curve at up to {@code maxPoints} cut-offs (ties never split), from (0,0) to (1,1). */
  public static List<RocPoint> rocCurve(double[] p, boolean[] y, int maxPoints) {
    Integer[] order = byDescending(p);
    long positives = 0;
    for (boolean b : y) {
      positives += b ? 1 : 0;
    }
    long negatives = y.length - positives;
    List<RocPoint> out = new ArrayList<>();
    out.add(RocPoint.newBuilder().setThreshold(1).build());
    if (positives == 0 || negatives == 0) {
      return out;
    }
    int step = Math.max(1, order.length / Math.max(1, maxPoints - 2));
    long tp = 0;
    long fp = 0;
    int sinceLast = 0;
    for (int i = 0; i < order.length; i++) {
      if (y[order[i]]) {
        tp++;
      } else {
        fp++;
      }
      sinceLast++;
      boolean tieEnds = i + 1 == order.length || p[order[i + 1]] != p[order[i]];
      if (tieEnds && (sinceLast >= step || i + 1 == order.length)) {
        out.add(
            RocPoint.newBuilder()
                .setFalsePositiveRate((double) fp / negatives)
                .setTruePositiveRate((double) tp / positives)
                .setThreshold(p[order[i]])
                .build());
        sinceLast = 0;
      }
    }
    return out;
  }

  static Integer[] byDescending(double[] p) {
    Integer[] order = new Integer[p.length];
    for (int i = 0; i < p.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -p[i]));
    return order;
  }
}
