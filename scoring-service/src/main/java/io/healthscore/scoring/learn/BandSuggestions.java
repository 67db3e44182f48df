package io.healthscore.scoring.learn;

import io.healthscore.v1.Band;
import io.healthscore.v1.BandOutcome;
import io.healthscore.v1.BandSuggestion;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Suggests churn probability cut-offs of the red, yellow and green bands from predicted
 * probabilities and what happened. Without targets: the split of the accounts, ordered by
 * probability, into three bands whose churn rates differ most (the largest between-band sum of
 * squares, {@code Σ n_band × (rate_band − rate)²}), each band holding at least 5% of the samples
 * and churn rising from green to red; candidate cuts at every percentile. With targets: the
 * largest green band whose churn rate is at most the green target and the largest red band whose
 * churn rate is at least the red target.
 */
public final class BandSuggestions {
  static final int MIN_SAMPLES = 20;
  static final double MIN_BAND_SHARE = 0.05;
  private static final int CANDIDATES = 100;

  /** Requested churn rates: green at most {@code green}, red at least {@code red}. */
  public record Targets(double green, double red) {}

  private BandSuggestions() {}

  /** By the targets when given, else by maximum separation. */
  public static BandSuggestion suggest(double[] p, boolean[] churned, Targets targets) {
    return targets == null ? maxSeparation(p, churned) : forTargets(p, churned, targets.green(), targets.red());
  }

  public static BandSuggestion maxSeparation(double[] p, boolean[] churned) {
    Sorted s = Sorted.of(p, churned);
    int n = s.p.length;
    if (n < MIN_SAMPLES || s.positivesBefore(n) == 0 || s.positivesBefore(n) == n) {
      return fallback(s);
    }
    int[] cuts = candidateCuts(s);
    int minBand = (int) Math.ceil(MIN_BAND_SHARE * n);
    double overall = (double) s.positivesBefore(n) / n;
    double best = -1;
    int bestI = -1;
    int bestJ = -1;
    for (int a = 0; a < cuts.length; a++) {
      int i = cuts[a];
      if (i < minBand) {
        continue;
      }
      for (int b = a + 1; b < cuts.length; b++) {
        int j = cuts[b];
        if (j - i < minBand || n - j < minBand) {
          continue;
        }
        double green = s.rate(0, i);
        double yellow = s.rate(i, j);
        double red = s.rate(j, n);
        if (!(green < yellow && yellow < red)) {
          continue;
        }
        double between =
            i * sq(green - overall) + (j - i) * sq(yellow - overall) + (n - j) * sq(red - overall);
        if (between > best) {
          best = between;
          bestI = i;
          bestJ = j;
        }
      }
    }
    if (bestI < 0) {
      return fallback(s);
    }
    return report(s, bestI, bestJ, "max separation");
  }

  public static BandSuggestion forTargets(double[] p, boolean[] churned, double greenRate, double redRate) {
    Sorted s = Sorted.of(p, churned);
    int n = s.p.length;
    if (n == 0) {
      return fallback(s);
    }
    int greenEnd = 0;
    for (int i = 1; i <= n; i++) {
      if (s.boundary(i) && s.rate(0, i) <= greenRate) {
        greenEnd = i;
      }
    }
    int redStart = n;
    for (int j = n - 1; j >= greenEnd; j--) {
      if (s.boundary(j) && s.rate(j, n) >= redRate) {
        redStart = j;
      }
    }
    return report(s, greenEnd, redStart, "target rates");
  }

  /**
   * Cut-offs at fixed churn probabilities, with the bands they give on the samples: the model's
   * probabilities are calibrated, so an account is red when it is likelier than {@code redAbove}
   * to churn at its coming renewal, whatever the share of such accounts (cut-offs chosen for the
   * largest separation on the training rows follow the training population's mix instead).
   */
  public static BandSuggestion atLevels(double[] p, boolean[] churned, double yellowAbove, double redAbove) {
    return describe(Sorted.of(p, churned), yellowAbove, redAbove, "probability levels");
  }

  /** 1/3 and 2/3, with the bands those give on the samples. */
  private static BandSuggestion fallback(Sorted s) {
    return describe(s, 1.0 / 3, 2.0 / 3, "default");
  }

  private static BandSuggestion report(Sorted s, int greenEnd, int redStart, String method) {
    int n = s.p.length;
    double yellowAbove = greenEnd == 0 ? 0 : greenEnd == n ? 1 : midpoint(s.p[greenEnd - 1], s.p[greenEnd]);
    double redAbove = redStart == n ? 1 : redStart == 0 ? 0 : midpoint(s.p[redStart - 1], s.p[redStart]);
    return describe(s, yellowAbove, Math.max(yellowAbove, redAbove), method);
  }

  private static BandSuggestion describe(Sorted s, double yellowAbove, double redAbove, String method) {
    int n = s.p.length;
    int greenEnd = 0;
    while (greenEnd < n && s.p[greenEnd] <= yellowAbove) {
      greenEnd++;
    }
    int redStart = greenEnd;
    while (redStart < n && s.p[redStart] <= redAbove) {
      redStart++;
    }
    int positives = s.positivesBefore(n);
    return BandSuggestion.newBuilder()
        .setYellowAbove(yellowAbove)
        .setRedAbove(redAbove)
        .setMethod(method)
        .addBands(outcome(s, Band.BAND_GREEN, 0, greenEnd, positives))
        .addBands(outcome(s, Band.BAND_YELLOW, greenEnd, redStart, positives))
        .addBands(outcome(s, Band.BAND_RED, redStart, n, positives))
        .build();
  }

  private static BandOutcome outcome(Sorted s, Band band, int from, int to, int positives) {
    int n = s.p.length;
    int churned = s.positivesBefore(to) - s.positivesBefore(from);
    return BandOutcome.newBuilder()
        .setBand(band)
        .setSamples(to - from)
        .setShare(n == 0 ? 0 : (double) (to - from) / n)
        .setChurnRate(to == from ? 0 : (double) churned / (to - from))
        .setChurnCapture(positives == 0 ? 0 : (double) churned / positives)
        .build();
  }

  /** Cut positions (rows before the cut are below it) near every percentile, between distinct values. */
  private static int[] candidateCuts(Sorted s) {
    int n = s.p.length;
    return java.util.stream.IntStream.rangeClosed(1, CANDIDATES - 1)
        .map(k -> (int) ((long) k * n / CANDIDATES))
        .map(i -> {
          int j = i;
          while (j > 0 && !s.boundary(j)) {
            j--;
          }
          return j;
        })
        .filter(j -> j > 0)
        .distinct()
        .toArray();
  }

  private static double midpoint(double a, double b) {
    return a + (b - a) / 2;
  }

  private static double sq(double x) {
    return x * x;
  }

  /** Probabilities in ascending order with a prefix count of churned samples. */
  private record Sorted(double[] p, int[] positivesPrefix) {
    static Sorted of(double[] p, boolean[] churned) {
      Integer[] order = new Integer[p.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
      double[] sorted = new double[p.length];
      int[] prefix = new int[p.length + 1];
      for (int k = 0; k < order.length; k++) {
        sorted[k] = p[order[k]];
        prefix[k + 1] = prefix[k] + (churned[order[k]] ? 1 : 0);
      }
      return new Sorted(sorted, prefix);
    }

    int positivesBefore(int i) {
      return positivesPrefix[i];
    }

    double rate(int from, int to) {
      return to == from ? 0 : (double) (positivesPrefix[to] - positivesPrefix[from]) / (to - from);
    }

    /** True when a cut before row i separates distinct probabilities (or is at an end). */
    boolean boundary(int i) {
      return i == 0 || i == p.length || p[i] > p[i - 1];
    }
  }
}
