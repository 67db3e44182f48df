package io.healthscore.scoring.learn.ebm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Trains an {@link EbmModel} (explainable boosting, GA2M):
 *
 * <ol>
 *   <li>every feature is binned once (quantiles, missing as bin 0, rare categories pooled);
 *   <li>each outer bag splits the rows into train and validation (whole groups, when the table
 *       gives the rows' accounts) and boosts the main effects
 *       cyclically (one shallow tree per feature per round, small learning rate, histograms of
 *       gradients over the bins), keeping the round of the lowest validation log loss;
 *   <li>pairs are ranked by the gain of a four-leaf tree on the main model's residuals (FAST) and
 *       the best few are boosted the same way on top of each bag's main effects;
 *   <li>bags are averaged; probabilities are calibrated in the large on the out-of-bag
 *       predictions (a shift of the intercept, so the decomposition stays exact); pair terms are
 *       purified into their main effects and main terms centred into the intercept.
 * </ol>
 */
public final class EbmTrainer {
  private static final double MAIN_SHARE = 0.55;
  private static final double RANK_SHARE = 0.05;
  private static final double PAIR_SHARE = 0.35;

  private final EbmSettings settings;
  private final TrainingMonitor monitor;
  private final SplitFinder splits;
  private double reported;

  private EbmTrainer(EbmSettings settings, TrainingMonitor monitor) {
    this.settings = settings;
    this.monitor = monitor;
    this.splits = new SplitFinder(settings.minSamplesLeaf(), settings.minHessian());
  }

  /** Needs rows of both classes. Throws CancellationException when the monitor cancels. */
  public static EbmModel train(TrainingTable table, EbmSettings settings, TrainingMonitor monitor) {
    return new EbmTrainer(settings, monitor).run(table);
  }

  private EbmModel run(TrainingTable table) {
    int n = table.rows();
    int positives = 0;
    for (boolean c : table.churned()) {
      positives += c ? 1 : 0;
    }
    if (positives == 0 || positives == n) {
      throw new IllegalArgumentException("training needs churned and retained rows");
    }
    List<FeatureColumn> columns = table.columns();
    int features = columns.size();
    FeatureBins[] bins = new FeatureBins[features];
    short[][] binned = new short[features][];
    for (int f = 0; f < features; f++) {
      FeatureColumn col = columns.get(f);
      bins[f] =
          col.categorical()
              ? FeatureBins.categories(col.name(), col.labels(), settings.minCategorySamples())
              : FeatureBins.quantiles(col.name(), col.numbers(), settings.maxBins());
      binned[f] = new short[n];
      for (int i = 0; i < n; i++) {
        binned[f][i] =
            (short)
                (col.categorical() ? bins[f].binOf(col.labels()[i]) : bins[f].binOf(col.numbers()[i]));
      }
    }
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = table.churned()[i] ? 1 : 0;
    }
    boolean[] repeats = repeats(binned);
    Data data = new Data(bins, binned, y, table.groups(), repeats);
    progress(0, "binned " + features + " features");

    int bagCount = settings.outerBags();
    int threads =
        Math.max(
            1,
            Math.min(
                bagCount,
                settings.threads() > 0 ? settings.threads() : Runtime.getRuntime().availableProcessors()));
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "ebm-train");
              t.setDaemon(true);
              return t;
            });
    try {
      Bag[] bag = new Bag[bagCount];
      AtomicInteger done = new AtomicInteger();
      runAll(
          pool,
          bagCount,
          b -> {
            bag[b] = new Bag(data, b);
            bag[b].boostMain();
            int finished = done.incrementAndGet();
            progress(
                MAIN_SHARE * finished / bagCount,
                "main effects: bag " + finished + "/" + bagCount + " best at round " + bag[b].bestRound);
          });
      double[][] main = new double[features][];
      double intercept = 0;
      for (int f = 0; f < features; f++) {
        main[f] = new double[bins[f].binCount()];
        for (Bag b : bag) {
          for (int k = 0; k < main[f].length; k++) {
            main[f][k] += b.main[f][k] / bagCount;
          }
        }
      }
      for (Bag b : bag) {
        intercept += b.intercept / bagCount;
      }
      int[][] coarse = new int[features][];
      for (int f = 0; f < features; f++) {
        coarse[f] = interactionBins(bins[f], binned[f], settings.maxInteractionBins());
      }
      int[][] pairs = rankPairs(data, main, intercept, coarse, pool);
      progress(MAIN_SHARE + RANK_SHARE, "ranked pairs: " + pairs.length + " kept");
      double[][] pairScores = new double[pairs.length][];
      if (pairs.length > 0) {
        done.set(0);
        runAll(
            pool,
            bagCount,
            b -> {
              bag[b].boostPairs(pairs, coarse);
              int finished = done.incrementAndGet();
              progress(
                  MAIN_SHARE + RANK_SHARE + PAIR_SHARE * finished / bagCount,
                  "pairs: bag " + finished + "/" + bagCount + " best at round " + bag[b].bestRound);
            });
        for (int k = 0; k < pairs.length; k++) {
          pairScores[k] = new double[bag[0].pair[k].length];
          for (Bag b : bag) {
            for (int cell = 0; cell < pairScores[k].length; cell++) {
              pairScores[k][cell] += b.pair[k][cell] / bagCount;
            }
          }
        }
      }
      for (int f = 0; f < features; f++) {
        if (!inPair(pairs, f)) {
          coarse[f] = null;
        }
      }
      intercept += interceptShift(data, bag);
      intercept += purify(data, main, pairs, coarse, pairScores);
      roundToFloat(main);
      roundToFloat(pairScores);
      progress(1, "calibrated");
      double[][] shares = new double[features][];
      for (int f = 0; f < features; f++) {
        shares[f] = new double[bins[f].binCount()];
        for (short b : binned[f]) {
          shares[f][b] += 1.0 / n;
        }
      }
      EbmModel model = new EbmModel(bins, main, pairs, coarse, pairScores, (float) intercept);
      return new EbmModel(
          bins, main, pairs, coarse, pairScores, (float) intercept, shares, deciles(model, binned, n));
    } finally {
      pool.shutdownNow();
    }
  }

  /** The nine cut points between deciles of the model's probabilities over the training rows. */
  private static double[] deciles(EbmModel model, short[][] binned, int n) {
    double[] p = new double[n];
    int[] row = new int[binned.length];
    for (int i = 0; i < n; i++) {
      for (int f = 0; f < binned.length; f++) {
        row[f] = binned[f][i];
      }
      p[i] = model.probability(row);
    }
    Arrays.sort(p);
    double[] cuts = new double[9];
    for (int d = 1; d <= 9; d++) {
      cuts[d - 1] = p[Math.min(n - 1, (int) ((long) d * n / 10))];
    }
    return cuts;
  }

  /**
   * Features whose rows fall into bins exactly as an earlier feature's do, bin for bin (say a
   * metric's days since its first and since its last signal, when it has one signal): they carry
   * the same information, so only the first is boosted and the others keep a flat shape. Boosting
   * every copy would step that information once per copy in every round.
   */
  static boolean[] repeats(short[][] binned) {
    boolean[] repeat = new boolean[binned.length];
    Map<Long, List<short[]>> seen = new HashMap<>();
    for (int f = 0; f < binned.length; f++) {
      short[] canonical = inOrderOfAppearance(binned[f]);
      List<short[]> same = seen.computeIfAbsent(Arrays.hashCode(canonical) * 31L + canonical.length, k -> new ArrayList<>());
      for (short[] earlier : same) {
        if (Arrays.equals(earlier, canonical)) {
          repeat[f] = true;
          break;
        }
      }
      if (!repeat[f]) {
        same.add(canonical);
      }
    }
    return repeat;
  }

  /** The bins renumbered in the order rows first meet them, so equal partitions read alike. */
  private static short[] inOrderOfAppearance(short[] bins) {
    int max = 0;
    for (short b : bins) {
      max = Math.max(max, b);
    }
    short[] number = new short[max + 1];
    short next = 0;
    short[] out = new short[bins.length];
    for (int i = 0; i < bins.length; i++) {
      int b = bins[i];
      if (number[b] == 0) {
        number[b] = ++next;
      }
      out[i] = number[b];
    }
    return out;
  }

  /**
   * @param groups the rows' groups (rows of one group share a side of each split); null for none
   * @param repeats features that repeat an earlier one's bins and are not boosted
   */
  private record Data(FeatureBins[] bins, short[][] binned, double[] y, int[] groups, boolean[] repeats) {
    int rows() {
      return y.length;
    }
  }

  /** One outer bag: its own train/validation split, main effects and pair terms. */
  private final class Bag {
    final Data data;
    final int index;
    final int[] trainRows;
    final int[] validRows;
    final double[] yTrain;
    final double[] yValid;
    final double[] pTrain;
    final double[] pValid;
    final Random random;
    double intercept;
    int bestRound;
    double[][] main;
    double[][] pair;

    Bag(Data data, int index) {
      this.data = data;
      this.index = index;
      this.random = new Random(settings.seed() * 1_000_003 + index);
      int n = data.rows();
      if (data.groups() == null || Arrays.stream(data.groups()).max().orElse(0) < 1) {
        int[] perm = shuffled(n, random);
        int valid = Math.max(1, (int) Math.round(n * settings.validationShare()));
        validRows = Arrays.copyOfRange(perm, 0, valid);
        trainRows = Arrays.copyOfRange(perm, valid, n);
      } else {
        // whole groups to validation, in random order, until it holds its share of the rows
        int groupCount = 0;
        for (int g : data.groups()) {
          groupCount = Math.max(groupCount, g + 1);
        }
        int[] order = shuffled(groupCount, random);
        int[] sizes = new int[groupCount];
        for (int g : data.groups()) {
          sizes[g]++;
        }
        boolean[] inValid = new boolean[groupCount];
        int target = Math.max(1, (int) Math.round(n * settings.validationShare()));
        for (int k = 0, taken = 0; k < groupCount && taken < target && k < groupCount - 1; k++) {
          inValid[order[k]] = true;
          taken += sizes[order[k]];
        }
        int validCount = 0;
        for (int g : data.groups()) {
          validCount += inValid[g] ? 1 : 0;
        }
        validRows = new int[validCount];
        trainRows = new int[n - validCount];
        for (int i = 0, v = 0, t = 0; i < n; i++) {
          if (inValid[data.groups()[i]]) {
            validRows[v++] = i;
          } else {
            trainRows[t++] = i;
          }
        }
      }
      Arrays.sort(validRows);
      Arrays.sort(trainRows);
      yTrain = gather(data.y, trainRows);
      yValid = gather(data.y, validRows);
      double pos = 0;
      for (double v : yTrain) {
        pos += v;
      }
      double prior = Math.min(Math.max(pos, 0.5), yTrain.length - 0.5) / yTrain.length;
      intercept = Math.log(prior / (1 - prior));
      pTrain = new double[trainRows.length];
      pValid = new double[validRows.length];
    }

    void boostMain() {
      int features = data.bins.length;
      main = new double[features][];
      short[][] trainBins = new short[features][];
      short[][] validBins = new short[features][];
      int maxBins = 1;
      for (int f = 0; f < features; f++) {
        main[f] = new double[data.bins[f].binCount()];
        trainBins[f] = gather(data.binned[f], trainRows);
        validBins[f] = gather(data.binned[f], validRows);
        maxBins = Math.max(maxBins, main[f].length);
      }
      Arrays.fill(pTrain, EbmModel.sigmoid(intercept));
      Arrays.fill(pValid, EbmModel.sigmoid(intercept));
      int[][] counts = new int[features][];
      for (int f = 0; f < features; f++) {
        counts[f] = countCells(trainBins[f], main[f].length);
      }
      double[] g = new double[maxBins];
      double[] h = new double[maxBins];
      int[] order = new int[maxBins];
      double[] delta = new double[maxBins];
      double[] factor = new double[maxBins];
      main =
          boostRounds(
              main,
              cut -> {
                for (int f = 0; f < features; f++) {
                  if (data.repeats[f]) {
                    continue;
                  }
                  int nb = main[f].length;
                  histogram(trainBins[f], nb, g, h);
                  if (!splits.mainUpdate(
                      g, h, counts[f], nb, data.bins[f].categorical(), settings.learningRate(), cut,
                      order, delta)) {
                    continue;
                  }
                  for (int b = 0; b < nb; b++) {
                    main[f][b] += delta[b];
                    factor[b] = Math.exp(delta[b]);
                  }
                  apply(trainBins[f], factor, pTrain);
                  apply(validBins[f], factor, pValid);
                }
              });
    }

    void boostPairs(int[][] pairs, int[][] coarse) {
      int[][] trainCells = new int[pairs.length][];
      int[][] validCells = new int[pairs.length][];
      int[] width = new int[pairs.length];
      int maxCells = 1;
      pair = new double[pairs.length][];
      for (int k = 0; k < pairs.length; k++) {
        int a = pairs[k][0];
        int b = pairs[k][1];
        int nb = max(coarse[b]) + 1;
        int cells = (max(coarse[a]) + 1) * nb;
        width[k] = nb;
        pair[k] = new double[cells];
        trainCells[k] = cells(data.binned[a], data.binned[b], coarse[a], coarse[b], nb, trainRows);
        validCells[k] = cells(data.binned[a], data.binned[b], coarse[a], coarse[b], nb, validRows);
        maxCells = Math.max(maxCells, cells);
      }
      setFromMain(pTrain, trainRows);
      setFromMain(pValid, validRows);
      double[][] counts = new double[pairs.length][];
      for (int k = 0; k < pairs.length; k++) {
        counts[k] = countCells(trainCells[k], pair[k].length);
      }
      double[] g = new double[maxCells];
      double[] h = new double[maxCells];
      double[] delta = new double[maxCells];
      double[] factor = new double[maxCells];
      double[] cumG = new double[maxCells];
      double[] cumH = new double[maxCells];
      double[] cumC = new double[maxCells];
      pair =
          boostRounds(
              pair,
              cut -> {
                for (int k = 0; k < pairs.length; k++) {
                  int cells = pair[k].length;
                  histogram(trainCells[k], cells, g, h);
                  if (!splits.pairUpdate(
                      g, h, counts[k], cells / width[k], width[k], settings.learningRate(), cut, delta,
                      cumG, cumH, cumC)) {
                    continue;
                  }
                  for (int cell = 0; cell < cells; cell++) {
                    pair[k][cell] += delta[cell];
                    factor[cell] = Math.exp(delta[cell]);
                  }
                  apply(trainCells[k], factor, pTrain);
                  apply(validCells[k], factor, pValid);
                }
              });
      this.pairs = pairs;
      this.coarse = coarse;
    }

    int[][] pairs = new int[0][];
    int[][] coarse;

    /**
     * Runs rounds (the first smoothing ones with random cuts) until the validation log loss has
     * not improved for the early-stopping rounds; returns the terms of the best round.
     */
    private double[][] boostRounds(double[][] terms, java.util.function.Consumer<Random> round) {
      double[][] best = copy(terms);
      double bestLoss = logLoss(pValid, yValid);
      int bestAt = 0;
      for (int r = 1; r <= settings.maxRounds(); r++) {
        checkCancelled();
        round.accept(r <= settings.smoothingRounds() ? random : null);
        double loss = logLoss(pValid, yValid);
        if (loss < bestLoss - settings.earlyStoppingTolerance()) {
          bestLoss = loss;
          bestAt = r;
          copyInto(terms, best);
        } else if (r - bestAt >= settings.earlyStoppingRounds()) {
          break;
        }
      }
      bestRound = bestAt;
      return best;
    }

    /** This bag's logit of a row (main effects and pairs). */
    double logit(int row) {
      double z = intercept;
      for (int f = 0; f < main.length; f++) {
        z += main[f][data.binned[f][row]];
      }
      for (int k = 0; k < pairs.length; k++) {
        int a = pairs[k][0];
        int b = pairs[k][1];
        int nb = max(coarse[b]) + 1;
        z += pair[k][coarse[a][data.binned[a][row]] * nb + coarse[b][data.binned[b][row]]];
      }
      return z;
    }

    private void setFromMain(double[] p, int[] rows) {
      for (int i = 0; i < rows.length; i++) {
        double z = intercept;
        for (int f = 0; f < main.length; f++) {
          z += main[f][data.binned[f][rows[i]]];
        }
        p[i] = EbmModel.sigmoid(z);
      }
    }

    /** Sums of gradients and hessians per bin (rows per bin do not change within a bag). */
    private void histogram(short[] bins, int nb, double[] g, double[] h) {
      Arrays.fill(g, 0, nb, 0);
      Arrays.fill(h, 0, nb, 0);
      for (int i = 0; i < bins.length; i++) {
        int b = bins[i];
        double p = pTrain[i];
        g[b] += p - yTrain[i];
        h[b] += p * (1 - p);
      }
    }

    private void histogram(int[] cells, int nc, double[] g, double[] h) {
      Arrays.fill(g, 0, nc, 0);
      Arrays.fill(h, 0, nc, 0);
      for (int i = 0; i < cells.length; i++) {
        int b = cells[i];
        double p = pTrain[i];
        g[b] += p - yTrain[i];
        h[b] += p * (1 - p);
      }
    }
  }

  private static int[] countCells(short[] bins, int nb) {
    int[] c = new int[nb];
    for (short b : bins) {
      c[b]++;
    }
    return c;
  }

  private static double[] countCells(int[] cells, int nc) {
    double[] c = new double[nc];
    for (int b : cells) {
      c[b]++;
    }
    return c;
  }

  /**
   * A probability after adding d to its logit is p·e^d / (1 − p + p·e^d): with e^d computed once
   * per bin, the update needs no exponential per row.
   */
  private static void apply(short[] bins, double[] factor, double[] p) {
    for (int i = 0; i < bins.length; i++) {
      double e = factor[bins[i]];
      double pi = p[i];
      p[i] = pi * e / (1 - pi + pi * e);
    }
  }

  private static void apply(int[] cells, double[] factor, double[] p) {
    for (int i = 0; i < cells.length; i++) {
      double e = factor[cells[i]];
      double pi = p[i];
      p[i] = pi * e / (1 - pi + pi * e);
    }
  }

  private static double logLoss(double[] p, double[] y) {
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      double q = y[i] > 0 ? p[i] : 1 - p[i];
      sum -= Math.log(Math.max(q, 1e-15));
    }
    return sum / p.length;
  }

  /**
   * FAST: on the averaged main model's residuals over all rows, the gain of the best four-leaf
   * tree of every pair of features; the settings' number of pairs with the largest positive gains.
   */
  private int[][] rankPairs(Data data, double[][] main, double intercept, int[][] coarse, ExecutorService pool) {
    int features = main.length;
    if (settings.interactions() == 0 || features < 2) {
      return new int[0][];
    }
    int n = data.rows();
    double[] g = new double[n];
    double[] h = new double[n];
    for (int i = 0; i < n; i++) {
      double z = intercept;
      for (int f = 0; f < features; f++) {
        z += main[f][data.binned[f][i]];
      }
      double p = EbmModel.sigmoid(z);
      g[i] = p - data.y[i];
      h[i] = p * (1 - p);
    }
    int[] width = new int[features];
    for (int f = 0; f < features; f++) {
      width[f] = max(coarse[f]) + 1;
    }
    List<int[]> candidates = new ArrayList<>();
    for (int a = 0; a < features; a++) {
      for (int b = a + 1; b < features; b++) {
        if ((width[a] > 2 || width[b] > 2) && !data.repeats[a] && !data.repeats[b]) {
          candidates.add(new int[] {a, b});
        }
      }
    }
    double[] gains = new double[candidates.size()];
    AtomicInteger next = new AtomicInteger();
    int workers = Math.max(1, settings.threads() > 0 ? settings.threads() : Runtime.getRuntime().availableProcessors());
    runAll(
        pool,
        workers,
        w -> {
          int maxCells = 256 * 256;
          double[] hg = new double[maxCells];
          double[] hh = new double[maxCells];
          double[] hc = new double[maxCells];
          double[] cg = new double[maxCells];
          double[] ch = new double[maxCells];
          double[] cc = new double[maxCells];
          for (int k = next.getAndIncrement(); k < gains.length; k = next.getAndIncrement()) {
            if (k % 64 == 0) {
              checkCancelled();
            }
            int a = candidates.get(k)[0];
            int b = candidates.get(k)[1];
            int na = width[a];
            int nb = width[b];
            Arrays.fill(hg, 0, na * nb, 0);
            Arrays.fill(hh, 0, na * nb, 0);
            Arrays.fill(hc, 0, na * nb, 0);
            short[] colA = data.binned[a];
            short[] colB = data.binned[b];
            int[] mapA = coarse[a];
            int[] mapB = coarse[b];
            for (int i = 0; i < n; i++) {
              int cell = mapA[colA[i]] * nb + mapB[colB[i]];
              hg[cell] += g[i];
              hh[cell] += h[i];
              hc[cell]++;
            }
            gains[k] = splits.pairGain(hg, hh, hc, na, nb, cg, ch, cc);
          }
        });
    Integer[] order = new Integer[gains.length];
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer k) -> -gains[k]));
    List<int[]> kept = new ArrayList<>();
    for (int k = 0; k < order.length && kept.size() < settings.interactions(); k++) {
      if (gains[order[k]] > 0) {
        kept.add(candidates.get(order[k]));
      }
    }
    return kept.toArray(new int[0][]);
  }

  /**
   * Interaction bins of a feature as a map from its main bins: missing stays 0; numeric bins are
   * merged into at most max − 1 runs of about equal rows; categories beyond max − 2 share "other".
   */
  static int[] interactionBins(FeatureBins fb, short[] binned, int max) {
    int nb = fb.binCount();
    int[] counts = new int[nb];
    for (short b : binned) {
      counts[b]++;
    }
    int[] map = new int[nb];
    if (fb.categorical()) {
      if (nb <= max) {
        for (int b = 0; b < nb; b++) {
          map[b] = b;
        }
        return map;
      }
      Integer[] order = new Integer[nb - 2];
      for (int b = 2; b < nb; b++) {
        order[b - 2] = b;
      }
      Arrays.sort(order, Comparator.comparingInt((Integer b) -> -counts[b]));
      map[0] = 0;
      map[1] = 1;
      for (int r = 0; r < order.length; r++) {
        map[order[r]] = r < max - 2 ? r + 2 : 1;
      }
      return map;
    }
    long present = 0;
    for (int b = 1; b < nb; b++) {
      present += counts[b];
    }
    int groups = max - 1;
    long before = 0;
    int last = -1;
    int id = 0;
    for (int b = 1; b < nb; b++) {
      int group = present == 0 ? 0 : (int) Math.min(groups - 1, (before + counts[b] / 2) * groups / present);
      if (group != last) {
        id++;
        last = group;
      }
      map[b] = id;
      before += counts[b];
    }
    return map;
  }

  private static int[] shuffled(int n, Random random) {
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return perm;
  }

  /**
   * Calibration in the large on held-out rows: the shift of the intercept that minimises the log
   * loss of the out-of-bag logits (each row predicted by the bags that held it out), by Newton's
   * method. No slope is fitted (Platt scaling): a row's out-of-bag logit comes from one or two
   * bags and is noisier than the mean of all eight that is served, so a slope fitted on it shrinks
   * the served logits too far (ECE 0.0106 against 0.0080 with the shift alone, BENCHMARKS.md).
   */
  private static double interceptShift(Data data, Bag[] bags) {
    int n = data.rows();
    double[] sum = new double[n];
    int[] count = new int[n];
    for (Bag bag : bags) {
      for (int row : bag.validRows) {
        sum[row] += bag.logit(row);
        count[row]++;
      }
    }
    double shift = 0;
    for (int iter = 0; iter < 50; iter++) {
      // a small ridge towards 0 keeps the fit stable on few rows
      double g = 1e-3 * shift;
      double h = 1e-3;
      for (int i = 0; i < n; i++) {
        if (count[i] > 0) {
          double p = EbmModel.sigmoid(sum[i] / count[i] + shift);
          g += p - data.y[i];
          h += p * (1 - p);
        }
      }
      double step = g / h;
      shift -= step;
      if (Math.abs(step) < 1e-9) {
        break;
      }
    }
    return Double.isFinite(shift) ? shift : 0;
  }

  /**
   * Moves each pair's row and column means (weighted by the training rows in each cell) into its
   * two main terms, then centres every main term; returns what goes to the intercept. Every row
   * keeps its logit: a shift of a pair's row is undone by the same shift of the main bins mapped
   * to it.
   */
  private static double purify(Data data, double[][] main, int[][] pairs, int[][] coarse, double[][] pairScores) {
    int n = data.rows();
    for (int k = 0; k < pairs.length; k++) {
      int a = pairs[k][0];
      int b = pairs[k][1];
      int na = max(coarse[a]) + 1;
      int nb = max(coarse[b]) + 1;
      double[] w = new double[na * nb];
      for (int i = 0; i < n; i++) {
        w[coarse[a][data.binned[a][i]] * nb + coarse[b][data.binned[b][i]]]++;
      }
      double[] t = pairScores[k];
      for (int iter = 0; iter < 20; iter++) {
        double moved = 0;
        double[] rowMean = new double[na];
        for (int i = 0; i < na; i++) {
          double s = 0;
          double ws = 0;
          for (int j = 0; j < nb; j++) {
            s += w[i * nb + j] * t[i * nb + j];
            ws += w[i * nb + j];
          }
          rowMean[i] = ws > 0 ? s / ws : 0;
          moved += Math.abs(rowMean[i]);
          for (int j = 0; j < nb; j++) {
            t[i * nb + j] -= rowMean[i];
          }
        }
        for (int bin = 0; bin < main[a].length; bin++) {
          main[a][bin] += rowMean[coarse[a][bin]];
        }
        double[] colMean = new double[nb];
        for (int j = 0; j < nb; j++) {
          double s = 0;
          double ws = 0;
          for (int i = 0; i < na; i++) {
            s += w[i * nb + j] * t[i * nb + j];
            ws += w[i * nb + j];
          }
          colMean[j] = ws > 0 ? s / ws : 0;
          moved += Math.abs(colMean[j]);
          for (int i = 0; i < na; i++) {
            t[i * nb + j] -= colMean[j];
          }
        }
        for (int bin = 0; bin < main[b].length; bin++) {
          main[b][bin] += colMean[coarse[b][bin]];
        }
        if (moved < 1e-9) {
          break;
        }
      }
    }
    double toIntercept = 0;
    for (int f = 0; f < main.length; f++) {
      double[] counts = new double[main[f].length];
      for (short bin : data.binned[f]) {
        counts[bin]++;
      }
      double mean = 0;
      for (int bin = 0; bin < main[f].length; bin++) {
        mean += counts[bin] * main[f][bin] / n;
      }
      for (int bin = 0; bin < main[f].length; bin++) {
        main[f][bin] -= mean;
      }
      toIntercept += mean;
    }
    return toIntercept;
  }

  private void runAll(ExecutorService pool, int tasks, java.util.function.IntConsumer task) {
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < tasks; t++) {
      int id = t;
      futures.add(pool.submit(() -> task.accept(id)));
    }
    try {
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("training interrupted");
    } catch (ExecutionException e) {
      futures.forEach(f -> f.cancel(true));
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void checkCancelled() {
    if (monitor.cancelled() || Thread.currentThread().isInterrupted()) {
      throw new CancellationException("training cancelled");
    }
  }

  private synchronized void progress(double fraction, String stage) {
    reported = Math.max(reported, fraction);
    monitor.progress(reported, stage);
  }

  private static boolean inPair(int[][] pairs, int f) {
    for (int[] p : pairs) {
      if (p[0] == f || p[1] == f) {
        return true;
      }
    }
    return false;
  }

  private static int[] cells(short[] colA, short[] colB, int[] mapA, int[] mapB, int nb, int[] rows) {
    int[] cells = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      cells[i] = mapA[colA[rows[i]]] * nb + mapB[colB[rows[i]]];
    }
    return cells;
  }

  private static int max(int[] v) {
    int m = 0;
    for (int x : v) {
      m = Math.max(m, x);
    }
    return m;
  }

  private static double[] gather(double[] v, int[] rows) {
    double[] out = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = v[rows[i]];
    }
    return out;
  }

  private static short[] gather(short[] v, int[] rows) {
    short[] out = new short[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = v[rows[i]];
    }
    return out;
  }

  private static double[][] copy(double[][] v) {
    double[][] out = new double[v.length][];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i].clone();
    }
    return out;
  }

  private static void copyInto(double[][] from, double[][] to) {
    for (int i = 0; i < from.length; i++) {
      System.arraycopy(from[i], 0, to[i], 0, from[i].length);
    }
  }

  private static void roundToFloat(double[][] tables) {
    for (double[] t : tables) {
      for (int i = 0; i < t.length; i++) {
        t[i] = (float) t[i];
      }
    }
  }
}
