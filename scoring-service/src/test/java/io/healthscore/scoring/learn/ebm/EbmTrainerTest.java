package io.healthscore.scoring.learn.ebm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.scoring.learn.Auc;
import io.healthscore.scoring.learn.synthetic.ChurnWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class EbmTrainerTest {
  private static final EbmSettings FAST = EbmSettings.defaults().toBuilder().outerBags(2).learningRate(0.08).build();
  private static final EbmSettings MAIN_ONLY = FAST.toBuilder().interactions(0).build();

  @Test
  void aFeatureThatAloneDecidesGetsAShapeThatStepsAtItsThreshold() {
    Random r = new Random(7);
    int n = 6000;
    double[] usage = new double[n];
    double[] noise = new double[n];
    boolean[] churned = new boolean[n];
    for (int i = 0; i < n; i++) {
      usage[i] = r.nextDouble() * 100;
      noise[i] = r.nextGaussian();
      churned[i] = r.nextDouble() < (usage[i] < 30 ? 0.8 : 0.1);
    }
    EbmModel model =
        EbmTrainer.train(
            new TrainingTable(
                List.of(FeatureColumn.numeric("usage", usage), FeatureColumn.numeric("noise", noise)),
                churned),
            MAIN_ONLY,
            TrainingMonitor.NONE);
    FeatureBins bins = model.feature(0);
    double[] shape = model.shape(0);
    double[] cuts = bins.cuts();
    int steepest = 0;
    double drop = 0;
    for (int b = 2; b < shape.length; b++) {
      if (shape[b - 1] - shape[b] > drop) {
        drop = shape[b - 1] - shape[b];
        steepest = b;
      }
    }
    double stepAt = cuts[steepest - 2];
    assertEquals(30, stepAt, 1.0, "the largest step of the shape sits at the threshold");
    double low = shape[bins.binOf(10)];
    double high = shape[bins.binOf(70)];
    // true log odds: logit(0.8) − logit(0.1) = 3.58
    assertEquals(3.58, low - high, 0.6);
    double[] noiseShape = model.shape(1);
    double spread = 0;
    for (int b = 1; b < noiseShape.length; b++) {
      spread = Math.max(spread, Math.abs(noiseShape[b]));
    }
    assertTrue(spread < (low - high) / 4, "noise stays small: " + spread);
  }

  @Test
  void aPredictionIsTheInterceptPlusItsContributionsAndSurvivesTheCodec() {
    List<ChurnWorld.Account> accounts = ChurnWorld.generate(5000, 4, 3);
    EbmModel model = EbmTrainer.train(ChurnWorld.table(accounts), FAST, TrainingMonitor.NONE);
    EbmModel read = EbmCodec.fromBytes(EbmCodec.toBytes(model));
    assertTrue(model.pairCount() > 0);
    for (int i = 0; i < 50; i++) {
      ChurnWorld.Account a = accounts.get(i);
      int[] bins = model.binsOf(a.numbers(), a.labels());
      double sum = model.intercept();
      for (double c : model.contributions(bins)) {
        sum += c;
      }
      assertEquals(model.logit(bins), sum, 1e-9);
      assertEquals(model.probability(bins), read.probability(read.binsOf(a.numbers(), a.labels())), 0);
      assertArrayEquals(model.contributions(bins), read.contributions(bins), 0);
    }
    assertEquals(model.termName(model.featureCount()), read.termName(read.featureCount()));
  }

  @Test
  void theTenureContractInteractionIsTheFirstPairFound() {
    List<ChurnWorld.Account> accounts = ChurnWorld.generate(20000, 4, 11);
    EbmModel model = EbmTrainer.train(ChurnWorld.table(accounts), FAST, TrainingMonitor.NONE);
    int[] first = model.pair(0);
    List<String> names = List.of(model.feature(first[0]).name(), model.feature(first[1]).name());
    assertTrue(names.containsAll(List.of("tenure_months", "contract")), names.toString());
  }

  @Test
  void categoriesMissingValuesAndRareCategoriesHaveTheirOwnBins() {
    Random r = new Random(5);
    int n = 8000;
    String[] plan = new String[n];
    double[] nps = new double[n];
    boolean[] churned = new boolean[n];
    for (int i = 0; i < n; i++) {
      plan[i] = i < 5 ? "legacy" : r.nextBoolean() ? "basic" : "pro";
      nps[i] = r.nextDouble() < 0.3 ? Double.NaN : r.nextGaussian();
      double z = ("basic".equals(plan[i]) ? 1 : -1) + (Double.isNaN(nps[i]) ? 1.5 : 0);
      churned[i] = r.nextDouble() < 1 / (1 + Math.exp(-z));
    }
    EbmModel model =
        EbmTrainer.train(
            new TrainingTable(
                List.of(FeatureColumn.categorical("plan", plan), FeatureColumn.numeric("nps", nps)), churned),
            MAIN_ONLY,
            TrainingMonitor.NONE);
    FeatureBins planBins = model.feature(0);
    assertEquals(List.of("basic", "pro"), List.of(planBins.categoryNames()));
    assertEquals(FeatureBins.OTHER, planBins.binOf("legacy"));
    assertEquals(FeatureBins.OTHER, planBins.binOf("never seen"));
    double[] planShape = model.shape(0);
    assertEquals(2.0, planShape[planBins.binOf("basic")] - planShape[planBins.binOf("pro")], 0.35);
    double[] npsShape = model.shape(1);
    assertEquals(1.5, npsShape[0] - npsShape[model.feature(1).binOf(0.0)], 0.35);
    assertEquals("plan basic", model.describeTerm(0, model.binsOf(Map.of(), Map.of("plan", "basic"))));
  }

  /**
   * Usage under a second name in other units (same order, so the same bins), and a copy with a
   * missing marker renamed: both repeat the first feature's bins and keep flat shapes, and the
   * model learns usage once, as it does without the copies.
   */
  @Test
  void aFeatureRepeatedUnderAnotherNameIsBoostedOnce() {
    Random r = new Random(9);
    int n = 4000;
    double[] usage = new double[n];
    double[] minutes = new double[n];
    double[] sinceFirst = new double[n];
    double[] sinceLast = new double[n];
    boolean[] churned = new boolean[n];
    for (int i = 0; i < n; i++) {
      usage[i] = r.nextInt(50);
      minutes[i] = usage[i] * 60 + 5;
      sinceFirst[i] = r.nextDouble() < 0.2 ? Double.NaN : r.nextInt(100);
      sinceLast[i] = sinceFirst[i];
      churned[i] = r.nextDouble() < (usage[i] < 15 ? 0.6 : 0.15);
    }
    List<FeatureColumn> alone = List.of(FeatureColumn.numeric("usage", usage), FeatureColumn.numeric("since_first", sinceFirst));
    List<FeatureColumn> copied = List.of(alone.get(0), alone.get(1), FeatureColumn.numeric("minutes", minutes),
        FeatureColumn.numeric("since_last", sinceLast));
    EbmModel once = EbmTrainer.train(new TrainingTable(alone, churned), MAIN_ONLY, TrainingMonitor.NONE);
    EbmModel withCopies = EbmTrainer.train(new TrainingTable(copied, churned), MAIN_ONLY, TrainingMonitor.NONE);
    assertArrayEquals(new boolean[] {false, false, true, true},
        EbmTrainer.repeats(new short[][] {bins(withCopies, 0, usage), bins(withCopies, 1, sinceFirst),
            bins(withCopies, 2, minutes), bins(withCopies, 3, sinceLast)}));
    for (int f = 2; f < 4; f++) {
      for (double score : withCopies.shape(f)) {
        assertEquals(0, score, 0, withCopies.feature(f).name() + " repeats an earlier feature");
      }
    }
    assertArrayEquals(once.shape(0), withCopies.shape(0), 1e-6, "usage is learned as without the copy");
  }

  private static short[] bins(EbmModel model, int f, double[] values) {
    short[] out = new short[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (short) model.feature(f).binOf(values[i]);
    }
    return out;
  }

  @Test
  void learnsTheSyntheticWorldCloseToItsCeilingWithCalibratedProbabilities() {
    List<ChurnWorld.Account> train = ChurnWorld.generate(20000, 10, 21);
    List<ChurnWorld.Account> test = ChurnWorld.generate(10000, 10, 22);
    EbmModel model = EbmTrainer.train(ChurnWorld.table(train), FAST, TrainingMonitor.NONE);
    double[] predicted = model.predict(ChurnWorld.table(test));
    double[] truth = test.stream().mapToDouble(ChurnWorld.Account::churnProbability).toArray();
    boolean[] churned = ChurnWorld.table(test).churned();
    double ceiling = Auc.of(truth, churned);
    double learned = Auc.of(predicted, churned);
    assertTrue(learned >= 0.97 * ceiling, "learned " + learned + " ceiling " + ceiling);
    double meanPredicted = 0;
    double observed = 0;
    for (int i = 0; i < predicted.length; i++) {
      meanPredicted += predicted[i] / predicted.length;
      observed += (churned[i] ? 1.0 : 0) / predicted.length;
    }
    assertEquals(observed, meanPredicted, 0.02);
  }

  @Test
  void reportsProgressUpToDoneAndStopsWhenCancelled() {
    TrainingTable table = ChurnWorld.table(ChurnWorld.generate(3000, 2, 1));
    List<Double> fractions = new ArrayList<>();
    EbmTrainer.train(table, FAST, monitor(fractions, () -> false));
    assertEquals(1.0, fractions.get(fractions.size() - 1));
    for (int i = 1; i < fractions.size(); i++) {
      assertTrue(fractions.get(i) >= fractions.get(i - 1));
    }
    AtomicInteger polls = new AtomicInteger();
    assertThrows(
        CancellationException.class,
        () ->
            EbmTrainer.train(
                table, FAST, monitor(new ArrayList<>(), () -> polls.incrementAndGet() > 5)));
  }

  private static TrainingMonitor monitor(List<Double> fractions, BooleanSupplier cancel) {
    return new TrainingMonitor() {
      @Override
      public void progress(double fraction, String stage) {
        fractions.add(fraction);
      }

      @Override
      public boolean cancelled() {
        return cancel.getAsBoolean();
      }
    };
  }

  @Test
  void refusesATableWithOneClass() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            EbmTrainer.train(
                new TrainingTable(List.of(FeatureColumn.numeric("x", new double[] {1, 2})), new boolean[2]),
                FAST,
                TrainingMonitor.NONE));
  }
}
