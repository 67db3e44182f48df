package io.healthscore.scoring.learn.ebm;

import io.healthscore.scoring.learn.Auc;
import io.healthscore.scoring.learn.ClassifierMetrics;
import io.healthscore.scoring.learn.FeatureTables;
import io.healthscore.scoring.learn.LogisticBaseline;
import io.healthscore.scoring.learn.synthetic.ChurnWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Settings of the boosting compared on the synthetic churn world at the sizes the public API
 * learns from: every variant is trained on the same accounts per seed and reported beside the
 * ceiling (the true probabilities) and a logistic regression on the same table, in the same run.
 * The training table has three snapshots per account (near copies, grouped as Calibrate groups
 * them); with {@code -Debm.tuning.api=true} it is the table the API benchmark's Calibrate sees:
 * every metric as its derived features of one signal 50-170 days before the snapshot, and the test
 * accounts served 300 days after theirs ({@code -Debm.tuning.sameAge=true}: at the training
 * snapshots' ages). Variants are settings joined by '+', e.g. {@code
 * -Debm.tuning.variants=base,bags=16,lr=0.015+smooth=200}. Run with {@code mvn -B -o -q -Pbenchmark
 * test -pl scoring-service -am -Dtest=EbmTuningBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * (knobs {@code -Debm.tuning.train=6400 -Debm.tuning.seeds=3}).
 */
@Tag("benchmark")
class EbmTuningBenchmark {
  static final int SNAPSHOTS = 3;
  static final int SIGNAL_DAYS_AGO = 300;

  @Test
  void settingsOnTheSyntheticWorld() {
    int trainAccounts = Integer.getInteger("ebm.tuning.train", 6400);
    int seeds = Integer.getInteger("ebm.tuning.seeds", 3);
    boolean api = Boolean.getBoolean("ebm.tuning.api");
    boolean sameAge = Boolean.getBoolean("ebm.tuning.sameAge");
    for (String variant : System.getProperty("ebm.tuning.variants", "base").split(",")) {
      EbmSettings settings = settings(variant);
      double ratio = 0;
      double ece = 0;
      double eceAgainstTruth = 0;
      double eceOfTruth = 0;
      double overLogistic = 0;
      double seconds = 0;
      StringBuilder perSeed = new StringBuilder();
      for (long seed = 1; seed <= seeds; seed++) {
        List<ChurnWorld.Account> train = ChurnWorld.generate(trainAccounts, 20, seed * 100);
        List<ChurnWorld.Account> test = ChurnWorld.generate(20_000, 20, seed * 100 + 1);
        TrainingTable trainTable = api ? derived(train, false) : snapshots(ChurnWorld.table(train));
        TrainingTable testTable = api ? firstSnapshots(derived(test, !sameAge)) : ChurnWorld.table(test);
        boolean[] y = testTable.churned();
        double[] truth = test.stream().mapToDouble(ChurnWorld.Account::churnProbability).toArray();
        long start = System.nanoTime();
        double[] p = EbmTrainer.train(trainTable, settings, TrainingMonitor.NONE).predict(testTable);
        seconds += (System.nanoTime() - start) / 1e9;
        double learned = Auc.of(p, y);
        ratio += learned / Auc.of(truth, y) / seeds;
        overLogistic += (learned - Auc.of(LogisticBaseline.fit(trainTable).predict(testTable), y)) / seeds;
        ece += ClassifierMetrics.expectedCalibrationError(p, y) / seeds;
        eceOfTruth += ClassifierMetrics.expectedCalibrationError(truth, y) / seeds;
        eceAgainstTruth += ChurnWorld.calibrationErrorAgainstTruth(p, truth) / seeds;
        perSeed.append(String.format(Locale.ROOT, " %.3f", learned / Auc.of(truth, y)));
      }
      System.out.printf(Locale.ROOT,
          "%-24s of ceiling %.4f (%s), learned - LR %+.4f, ECE %.4f (true probabilities' own %.4f),"
              + " against the true probabilities %.4f; %.1f s a training%n",
          variant, ratio, perSeed.toString().trim(), overLogistic, ece, eceOfTruth, eceAgainstTruth,
          seconds / seeds);
    }
  }

  /** Each account's row repeated once per snapshot, the copies grouped like an account's. */
  static TrainingTable snapshots(TrainingTable accounts) {
    int n = accounts.rows() * SNAPSHOTS;
    List<FeatureColumn> columns = new ArrayList<>();
    for (FeatureColumn c : accounts.columns()) {
      if (c.categorical()) {
        String[] v = new String[n];
        for (int i = 0; i < n; i++) {
          v[i] = c.labels()[i / SNAPSHOTS];
        }
        columns.add(FeatureColumn.categorical(c.name(), v));
      } else {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] = c.numbers()[i / SNAPSHOTS];
        }
        columns.add(FeatureColumn.numeric(c.name(), v));
      }
    }
    return new TrainingTable(columns, churnedPerSnapshot(accounts.churned()), groups(n));
  }

  /**
   * The accounts as Calibrate reads them in the API benchmark: one signal per metric 300 days
   * back, outcomes 100-160 days back, snapshots 30, 60 and 90 days before the outcome; {@code
   * served}: every snapshot as of today instead (the test accounts).
   */
  static TrainingTable derived(List<ChurnWorld.Account> accounts, boolean served) {
    int n = accounts.size() * SNAPSHOTS;
    double[] age = new double[n];
    for (int i = 0; i < n; i++) {
      int outcomeDaysAgo = 100 + (i / SNAPSHOTS) % 60;
      age[i] = served ? SIGNAL_DAYS_AGO : SIGNAL_DAYS_AGO - (outcomeDaysAgo + 30 * (i % SNAPSHOTS + 1));
    }
    List<FeatureColumn> columns = new ArrayList<>();
    for (String metric : accounts.get(0).numbers().keySet()) {
      double[][] v = new double[9][n];
      for (int i = 0; i < n; i++) {
        double x = accounts.get(i / SNAPSHOTS).numbers().get(metric);
        boolean has = !Double.isNaN(x);
        v[0][i] = x;
        v[1][i] = has ? age[i] : Double.NaN;
        v[2][i] = v[1][i];
        v[3][i] = has && age[i] <= 60 ? 1 : 0;
        v[4][i] = has && age[i] <= 90 ? 1 : 0;
        v[5][i] = has && age[i] <= 60 ? x : 0;
        v[6][i] = has && age[i] <= 90 ? x : 0;
        v[7][i] = has && age[i] <= 60 ? x : Double.NaN;
        v[8][i] = has && age[i] <= 90 ? x : Double.NaN;
      }
      String[] kinds = {"last", "days_since_last", "days_since_first", "count_60d", "count_90d", "sum_60d",
          "sum_90d", "mean_60d", "mean_90d"};
      for (int k = 0; k < kinds.length; k++) {
        columns.add(FeatureColumn.numeric(metric + "." + kinds[k], v[k]));
      }
    }
    for (String label : accounts.get(0).labels().keySet()) {
      String[] v = new String[n];
      for (int i = 0; i < n; i++) {
        v[i] = accounts.get(i / SNAPSHOTS).labels().get(label);
      }
      columns.add(FeatureColumn.categorical("attr." + label, v));
    }
    boolean[] churned = new boolean[accounts.size()];
    for (int a = 0; a < churned.length; a++) {
      churned[a] = accounts.get(a).churned();
    }
    return new TrainingTable(columns, churnedPerSnapshot(churned), groups(n));
  }

  /** One row per account: its first snapshot. */
  static TrainingTable firstSnapshots(TrainingTable table) {
    int[] rows = new int[table.rows() / SNAPSHOTS];
    for (int a = 0; a < rows.length; a++) {
      rows[a] = a * SNAPSHOTS;
    }
    return FeatureTables.rows(table, rows);
  }

  private static boolean[] churnedPerSnapshot(boolean[] accounts) {
    boolean[] out = new boolean[accounts.length * SNAPSHOTS];
    for (int i = 0; i < out.length; i++) {
      out[i] = accounts[i / SNAPSHOTS];
    }
    return out;
  }

  private static int[] groups(int rows) {
    int[] g = new int[rows];
    for (int i = 0; i < rows; i++) {
      g[i] = i / SNAPSHOTS;
    }
    return g;
  }

  /** The default settings with the variant's changes: bins, pairs, bags, lr, smooth, esr, msl. */
  static EbmSettings settings(String variant) {
    EbmSettings d = EbmSettings.defaults();
    int maxBins = d.maxBins();
    int interactions = d.interactions();
    int bags = d.outerBags();
    double learningRate = d.learningRate();
    int smoothing = d.smoothingRounds();
    int earlyStopping = d.earlyStoppingRounds();
    int minLeaf = d.minSamplesLeaf();
    for (String change : variant.split("\\+")) {
      String[] kv = change.split("=");
      switch (kv[0]) {
        case "base" -> { }
        case "bins" -> maxBins = Integer.parseInt(kv[1]);
        case "pairs" -> interactions = Integer.parseInt(kv[1]);
        case "bags" -> bags = Integer.parseInt(kv[1]);
        case "lr" -> learningRate = Double.parseDouble(kv[1]);
        case "smooth" -> smoothing = Integer.parseInt(kv[1]);
        case "esr" -> earlyStopping = Integer.parseInt(kv[1]);
        case "msl" -> minLeaf = Integer.parseInt(kv[1]);
        default -> throw new IllegalArgumentException("unknown setting " + change);
      }
    }
    return new EbmSettings(maxBins, d.maxInteractionBins(), interactions, bags, d.validationShare(), learningRate,
        smoothing, d.maxRounds(), earlyStopping, d.earlyStoppingTolerance(), minLeaf, d.minHessian(),
        d.minCategorySamples(), d.threads(), d.seed());
  }
}
