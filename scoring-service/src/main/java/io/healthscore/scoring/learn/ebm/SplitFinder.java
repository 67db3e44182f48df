package io.healthscore.scoring.learn.ebm;

import java.util.Random;

/**
 * The trees of boosting: from a term's histogram of gradients and hessians, the Newton update per
 * bin of the best (or, while smoothing, a random) tree. A main term's tree has two leaves: a cut
 * along the bins' order (numeric bins ascending, categories by their gradient ratio), with the
 * missing bin on whichever side gains more, or alone. A pair's tree has four leaves: one cut on
 * each feature.
 */
final class SplitFinder {
  private final int minSamplesLeaf;
  private final double minHessian;

  SplitFinder(int minSamplesLeaf, double minHessian) {
    this.minSamplesLeaf = minSamplesLeaf;
    this.minHessian = minHessian;
  }

  /**
   * Fills {@code delta} with −rate × G/H of the bin's leaf (0 for bins without rows); false when
   * no split satisfies the leaf minimums.
   */
  boolean mainUpdate(
      double[] g, double[] h, int[] c, int bins, boolean categorical, double rate, Random random,
      int[] order, double[] delta) {
    int len = 0;
    if (categorical) {
      for (int b = 0; b < bins; b++) {
        if (c[b] > 0) {
          order[len++] = b;
        }
      }
      sortByRatio(order, len, g, h);
    } else {
      for (int b = 1; b < bins; b++) {
        order[len++] = b;
      }
    }
    double gm = categorical ? 0 : g[0];
    double hm = categorical ? 0 : h[0];
    int cm = categorical ? 0 : c[0];
    double gt = gm;
    double ht = hm;
    int ct = cm;
    for (int i = 0; i < len; i++) {
      gt += g[order[i]];
      ht += h[order[i]];
      ct += c[order[i]];
    }
    // a cut t puts order[0..t] left; missing goes left (side 0), right (1) or alone (2)
    int bestT = -1;
    int bestSide = 0;
    double bestGain = Double.NEGATIVE_INFINITY;
    int valid = 0;
    double gl = 0;
    double hl = 0;
    int cl = 0;
    for (int t = 0; t < len - 1; t++) {
      int b = order[t];
      gl += g[b];
      hl += h[b];
      cl += c[b];
      if (c[order[t + 1]] == 0 && !categorical) {
        continue; // the same partition as a later cut: cut only before a bin with rows
      }
      int side = -1;
      double cutGain = Double.NEGATIVE_INFINITY;
      for (int s = 0; s < (cm > 0 ? 2 : 1); s++) {
        double lg = s == 0 ? gl + gm : gl;
        double lh = s == 0 ? hl + hm : hl;
        int lc = s == 0 ? cl + cm : cl;
        double gain = gain(lg, lh, lc, gt - lg, ht - lh, ct - lc);
        if (!Double.isNaN(gain) && gain > cutGain) {
          cutGain = gain;
          side = s;
        }
      }
      if (side < 0) {
        continue;
      }
      valid++;
      // while smoothing, reservoir sampling picks one allowed cut uniformly
      boolean take = random == null ? cutGain > bestGain : random.nextInt(valid) == 0;
      if (take) {
        bestGain = cutGain;
        bestT = t;
        bestSide = side;
      }
    }
    if (cm > 0 && random == null) {
      double gain = gain(gm, hm, cm, gt - gm, ht - hm, ct - cm);
      if (!Double.isNaN(gain) && gain > bestGain) {
        bestGain = gain;
        bestT = -1;
        bestSide = 2;
        valid++;
      }
    }
    if (valid == 0) {
      return false;
    }
    java.util.Arrays.fill(delta, 0, bins, 0);
    double lg = bestSide == 0 ? gm : 0;
    double lh = bestSide == 0 ? hm : 0;
    for (int i = 0; i <= bestT; i++) {
      lg += g[order[i]];
      lh += h[order[i]];
    }
    if (bestSide == 2) {
      lg = gm;
      lh = hm;
    }
    double leftValue = -rate * lg / lh;
    double rightValue = -rate * (gt - lg) / (ht - lh);
    for (int i = 0; i < len; i++) {
      int b = order[i];
      boolean left = bestSide != 2 && i <= bestT;
      delta[b] = c[b] > 0 || !categorical ? (left ? leftValue : rightValue) : 0;
    }
    if (!categorical) {
      delta[0] = cm == 0 ? 0 : bestSide == 1 ? rightValue : leftValue;
    }
    return true;
  }

  /**
   * A four-leaf update of a pair over its na × nb grid (row-major, a major): the cuts (ta, tb)
   * maximising the gain, or random ones while smoothing. Returns false when none is allowed.
   */
  boolean pairUpdate(
      double[] g, double[] h, double[] c, int na, int nb, double rate, Random random, double[] delta,
      double[] cumG, double[] cumH, double[] cumC) {
    cumulate(g, na, nb, cumG);
    cumulate(h, na, nb, cumH);
    cumulate(c, na, nb, cumC);
    int last = na * nb - 1;
    double gt = cumG[last];
    double ht = cumH[last];
    double ct = cumC[last];
    int bestA = -1;
    int bestB = -1;
    double bestGain = Double.NEGATIVE_INFINITY;
    int pa = random == null ? -1 : random.nextInt(Math.max(1, na - 1));
    int pb = random == null ? -1 : random.nextInt(Math.max(1, nb - 1));
    for (int ta = 0; ta < na - 1; ta++) {
      for (int tb = 0; tb < nb - 1; tb++) {
        if (random != null && (ta != pa || tb != pb)) {
          continue;
        }
        int ll = ta * nb + tb;
        int lEnd = ta * nb + nb - 1;
        int hl = (na - 1) * nb + tb;
        double g1 = cumG[ll];
        double h1 = cumH[ll];
        double c1 = cumC[ll];
        double g2 = cumG[lEnd] - g1;
        double h2 = cumH[lEnd] - h1;
        double c2 = cumC[lEnd] - c1;
        double g3 = cumG[hl] - g1;
        double h3 = cumH[hl] - h1;
        double c3 = cumC[hl] - c1;
        double g4 = gt - g1 - g2 - g3;
        double h4 = ht - h1 - h2 - h3;
        double c4 = ct - c1 - c2 - c3;
        if (!leafOk(h1, c1) || !leafOk(h2, c2) || !leafOk(h3, c3) || !leafOk(h4, c4)) {
          continue;
        }
        double gain = g1 * g1 / h1 + g2 * g2 / h2 + g3 * g3 / h3 + g4 * g4 / h4;
        if (gain > bestGain) {
          bestGain = gain;
          bestA = ta;
          bestB = tb;
        }
      }
    }
    if (bestA < 0) {
      return false;
    }
    double[] leafG = new double[4];
    double[] leafH = new double[4];
    for (int a = 0; a < na; a++) {
      for (int b = 0; b < nb; b++) {
        int q = (a <= bestA ? 0 : 2) + (b <= bestB ? 0 : 1);
        leafG[q] += g[a * nb + b];
        leafH[q] += h[a * nb + b];
      }
    }
    for (int a = 0; a < na; a++) {
      for (int b = 0; b < nb; b++) {
        int q = (a <= bestA ? 0 : 2) + (b <= bestB ? 0 : 1);
        delta[a * nb + b] = -rate * leafG[q] / leafH[q];
      }
    }
    return true;
  }

  /** The best four-leaf gain of a pair over the gain of no split: the residual-gain test. */
  double pairGain(
      double[] g, double[] h, double[] c, int na, int nb, double[] cumG, double[] cumH, double[] cumC) {
    double[] scratch = new double[na * nb];
    if (!pairUpdate(g, h, c, na, nb, 1, null, scratch, cumG, cumH, cumC)) {
      return 0;
    }
    double gain = 0;
    // the update is −G_leaf/H_leaf per cell; Σ over leaves of G²/H equals −Σ cells g × delta
    for (int i = 0; i < na * nb; i++) {
      gain -= g[i] * scratch[i];
    }
    int last = na * nb - 1;
    return gain - cumG[last] * cumG[last] / cumH[last];
  }

  private double gain(double lg, double lh, int lc, double rg, double rh, int rc) {
    if (!leafOk(lh, lc) || !leafOk(rh, rc)) {
      return Double.NaN;
    }
    return lg * lg / lh + rg * rg / rh;
  }

  private boolean leafOk(double hess, double count) {
    return count >= minSamplesLeaf && hess >= minHessian && hess > 0;
  }

  private static void cumulate(double[] v, int na, int nb, double[] out) {
    for (int a = 0; a < na; a++) {
      double row = 0;
      for (int b = 0; b < nb; b++) {
        row += v[a * nb + b];
        out[a * nb + b] = row + (a > 0 ? out[(a - 1) * nb + b] : 0);
      }
    }
  }

  private static void sortByRatio(int[] order, int len, double[] g, double[] h) {
    for (int i = 1; i < len; i++) {
      int b = order[i];
      double r = g[b] / h[b];
      int j = i - 1;
      while (j >= 0 && g[order[j]] / h[order[j]] > r) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = b;
    }
  }
}
