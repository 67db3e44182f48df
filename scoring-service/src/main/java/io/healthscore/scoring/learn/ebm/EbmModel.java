package io.healthscore.scoring.learn.ebm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An explainable boosting machine: a generalised additive model with a few pairwise terms.
 * {@code logit = intercept + Σ main_f[bin_f] + Σ pair_k[bin_a, bin_b]}, churn probability =
 * 1 / (1 + e^−logit). Every term is its own lookup, so a prediction decomposes exactly into the
 * terms' contributions (logit points; they add up to logit − intercept). Main terms are centred
 * (their mean over the training rows is 0) and pair terms purified (their mean over every row and
 * every column of training rows is 0), so a contribution reads as the distance from an average
 * account. Immutable and thread-safe.
 */
public final class EbmModel {
  private final FeatureBins[] features;
  private final double[][] mainScores;
  private final int[][] pairs;
  private final int[][] interactionBinOf;
  private final int[] interactionBins;
  private final double[][] pairScores;
  private final double intercept;
  private final double[][] trainingShares;
  private final double[] probabilityDeciles;

  EbmModel(
      FeatureBins[] features,
      double[][] mainScores,
      int[][] pairs,
      int[][] interactionBinOf,
      double[][] pairScores,
      double intercept) {
    this(features, mainScores, pairs, interactionBinOf, pairScores, intercept, new double[features.length][], new double[0]);
  }

  /**
   * @param trainingShares per feature, the share of training rows in each bin (null entries when
   *     unknown); the baseline of drift
   * @param probabilityDeciles the nine cut points of the training rows' probabilities
   */
  EbmModel(
      FeatureBins[] features,
      double[][] mainScores,
      int[][] pairs,
      int[][] interactionBinOf,
      double[][] pairScores,
      double intercept,
      double[][] trainingShares,
      double[] probabilityDeciles) {
    if (mainScores.length != features.length || pairScores.length != pairs.length) {
      throw new IllegalArgumentException("one score table per feature and per pair");
    }
    this.features = features;
    this.mainScores = mainScores;
    this.pairs = pairs;
    this.interactionBinOf = interactionBinOf;
    this.pairScores = pairScores;
    this.interactionBins = new int[features.length];
    for (int f = 0; f < features.length; f++) {
      if (mainScores[f].length != features[f].binCount()) {
        throw new IllegalArgumentException(features[f].name() + ": one score per bin");
      }
      int max = 0;
      if (interactionBinOf[f] != null) {
        for (int v : interactionBinOf[f]) {
          max = Math.max(max, v + 1);
        }
      }
      interactionBins[f] = max;
    }
    for (int k = 0; k < pairs.length; k++) {
      int a = pairs[k][0];
      int b = pairs[k][1];
      if (interactionBinOf[a] == null
          || interactionBinOf[b] == null
          || pairScores[k].length != interactionBins[a] * interactionBins[b]) {
        throw new IllegalArgumentException("pair " + k + ": one score per pair of bins");
      }
    }
    this.intercept = intercept;
    this.trainingShares = trainingShares;
    this.probabilityDeciles = probabilityDeciles;
  }

  /** Share of training rows per bin of a feature, or null when the model does not know it. */
  public double[] trainingShares(int f) {
    return trainingShares[f] == null ? null : trainingShares[f].clone();
  }

  /** Cut points between deciles of the training rows' churn probabilities (empty when unknown). */
  public double[] probabilityDeciles() {
    return probabilityDeciles.clone();
  }

  public int featureCount() {
    return features.length;
  }

  public FeatureBins feature(int f) {
    return features[f];
  }

  /** The index of the named feature, or −1. */
  public int featureIndex(String name) {
    for (int f = 0; f < features.length; f++) {
      if (features[f].name().equals(name)) {
        return f;
      }
    }
    return -1;
  }

  public double intercept() {
    return intercept;
  }

  /** The shape function of a feature: its logit points per bin (bin 0 is missing). */
  public double[] shape(int f) {
    return mainScores[f].clone();
  }

  public int pairCount() {
    return pairs.length;
  }

  /** The two feature indices of pair k. */
  public int[] pair(int k) {
    return pairs[k].clone();
  }

  /** Main terms, then pairs: this many contributions per prediction. */
  public int termCount() {
    return features.length + pairs.length;
  }

  /** "plan" for a main term, "tenure × contract" for a pair. */
  public String termName(int term) {
    if (term < features.length) {
      return features[term].name();
    }
    int[] p = pairs[term - features.length];
    return features[p[0]].name() + " × " + features[p[1]].name();
  }

  /** The row's bin of every feature, from its numbers and labels (absent: missing). */
  public int[] binsOf(Map<String, Double> numbers, Map<String, String> labels) {
    int[] bins = new int[features.length];
    for (int f = 0; f < features.length; f++) {
      FeatureBins fb = features[f];
      Double number = numbers.get(fb.name());
      String label = labels.get(fb.name());
      if (fb.categorical()) {
        bins[f] = label != null ? fb.binOf(label) : number != null ? fb.binOf(number) : 0;
      } else {
        bins[f] = number != null ? fb.binOf(number) : fb.binOf(label);
      }
    }
    return bins;
  }

  /** Each term's logit points for a row given by its bins: main terms first, then pairs. */
  public double[] contributions(int[] bins) {
    double[] c = new double[termCount()];
    for (int f = 0; f < features.length; f++) {
      c[f] = mainScores[f][bins[f]];
    }
    for (int k = 0; k < pairs.length; k++) {
      c[features.length + k] = pairScores[k][pairCell(k, bins)];
    }
    return c;
  }

  public double logit(int[] bins) {
    double z = intercept;
    for (int f = 0; f < features.length; f++) {
      z += mainScores[f][bins[f]];
    }
    for (int k = 0; k < pairs.length; k++) {
      z += pairScores[k][pairCell(k, bins)];
    }
    return z;
  }

  public double probability(int[] bins) {
    return sigmoid(logit(bins));
  }

  /** A term's value for the row in words: "plan monthly", "tenure 3 to 6, contract monthly". */
  public String describeTerm(int term, int[] bins) {
    if (term < features.length) {
      return features[term].name() + " " + features[term].describe(bins[term]);
    }
    int[] p = pairs[term - features.length];
    return features[p[0]].name()
        + " "
        + features[p[0]].describe(bins[p[0]])
        + ", "
        + features[p[1]].name()
        + " "
        + features[p[1]].describe(bins[p[1]]);
  }

  /** Probabilities of every row of a table, whose columns are matched to features by name. */
  public double[] predict(TrainingTable table) {
    int[][] bins = binColumns(table);
    double[] p = new double[table.rows()];
    int[] row = new int[features.length];
    for (int i = 0; i < p.length; i++) {
      for (int f = 0; f < features.length; f++) {
        row[f] = bins[f][i];
      }
      p[i] = probability(row);
    }
    return p;
  }

  /** Mean absolute contribution of every term over a table's rows (0 for an empty table). */
  public double[] meanAbsContributions(TrainingTable table) {
    int[][] bins = binColumns(table);
    double[] sum = new double[termCount()];
    int[] row = new int[features.length];
    for (int i = 0; i < table.rows(); i++) {
      for (int f = 0; f < features.length; f++) {
        row[f] = bins[f][i];
      }
      double[] c = contributions(row);
      for (int t = 0; t < c.length; t++) {
        sum[t] += Math.abs(c[t]) / table.rows();
      }
    }
    return sum;
  }

  private int[][] binColumns(TrainingTable table) {
    int[][] bins = new int[features.length][];
    for (int f = 0; f < features.length; f++) {
      bins[f] = new int[table.rows()];
      FeatureColumn col = null;
      for (FeatureColumn c : table.columns()) {
        if (c.name().equals(features[f].name())) {
          col = c;
        }
      }
      if (col == null) {
        continue;
      }
      for (int i = 0; i < bins[f].length; i++) {
        bins[f][i] =
            col.categorical() ? features[f].binOf(col.labels()[i]) : features[f].binOf(col.numbers()[i]);
      }
    }
    return bins;
  }

  /** Every main score table, for the codec. */
  List<double[]> mainScoreTables() {
    return List.of(mainScores);
  }

  double[][] pairScoreTables() {
    return pairScores;
  }

  int[][] interactionBinMaps() {
    return interactionBinOf;
  }

  int[][] pairFeatures() {
    return pairs;
  }

  /** Features no term uses: every bin scores 0 and no pair includes them. */
  public List<String> unusedFeatures() {
    boolean[] used = new boolean[features.length];
    for (int f = 0; f < features.length; f++) {
      for (double v : mainScores[f]) {
        used[f] |= v != 0;
      }
    }
    for (int[] p : pairs) {
      used[p[0]] = true;
      used[p[1]] = true;
    }
    List<String> unused = new ArrayList<>();
    for (int f = 0; f < features.length; f++) {
      if (!used[f]) {
        unused.add(features[f].name());
      }
    }
    return unused;
  }

  private int pairCell(int k, int[] bins) {
    int a = pairs[k][0];
    int b = pairs[k][1];
    return interactionBinOf[a][bins[a]] * interactionBins[b] + interactionBinOf[b][bins[b]];
  }

  static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }
}
