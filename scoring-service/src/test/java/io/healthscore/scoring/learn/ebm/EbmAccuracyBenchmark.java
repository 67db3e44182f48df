package io.healthscore.scoring.learn.ebm;

import io.healthscore.scoring.learn.Auc;
import io.healthscore.scoring.learn.ClassifierMetrics;
import io.healthscore.scoring.learn.LogisticBaseline;
import io.healthscore.scoring.learn.synthetic.ChurnWorld;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Accuracy on the synthetic churn world, in one run: AUC of the true probabilities (the
 * ceiling), of the learned model with default settings, and of a plain logistic regression on
 * the same features; the learned model's expected calibration error, beside the true
 * probabilities' own (the noise floor of that measurement on this test set) and the learned
 * model's calibration error against the true probabilities. Run with {@code mvn -B -o
 * -q -Pbenchmark test -pl scoring-service -am -Dtest=EbmAccuracyBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}; output in
 * scoring-service/target/surefire-reports/*EbmAccuracyBenchmark-output.txt.
 */
@Tag("benchmark")
class EbmAccuracyBenchmark {
  @Test
  void learnedModelAgainstCeilingAndLogisticRegression() {
    int trainRows = Integer.getInteger("ebm.accounts", 30_000);
    for (long seed = 1; seed <= 3; seed++) {
      List<ChurnWorld.Account> train = ChurnWorld.generate(trainRows, 20, seed * 100);
      List<ChurnWorld.Account> test = ChurnWorld.generate(20_000, 20, seed * 100 + 1);
      TrainingTable trainTable = ChurnWorld.table(train);
      TrainingTable testTable = ChurnWorld.table(test);
      boolean[] y = testTable.churned();
      long start = System.nanoTime();
      EbmModel model = EbmTrainer.train(trainTable, EbmSettings.defaults(), TrainingMonitor.NONE);
      double trainSeconds = (System.nanoTime() - start) / 1e9;
      double[] learned = model.predict(testTable);
      double[] lr = LogisticBaseline.fit(trainTable).predict(testTable);
      double[] truth = test.stream().mapToDouble(ChurnWorld.Account::churnProbability).toArray();
      double ceiling = Auc.of(truth, y);
      double learnedAuc = Auc.of(learned, y);
      double lrAuc = Auc.of(lr, y);
      System.out.printf(
          Locale.ROOT,
          "seed %d: %d train / %d test rows, %d features: AUC ceiling %.4f, learned %.4f (%.3f of ceiling),"
              + " logistic regression %.4f (learned − LR %+.4f); learned ECE %.4f (the true probabilities'"
              + " own ECE, its noise floor here, %.4f; against the true probabilities %.4f), Brier %.4f,"
              + " LR ECE %.4f;"
              + " %d pairs, first %s; trained in %.1f s%n",
          seed,
          trainRows,
          test.size(),
          trainTable.columns().size(),
          ceiling,
          learnedAuc,
          learnedAuc / ceiling,
          lrAuc,
          learnedAuc - lrAuc,
          ClassifierMetrics.expectedCalibrationError(learned, y),
          ClassifierMetrics.expectedCalibrationError(truth, y),
          ChurnWorld.calibrationErrorAgainstTruth(learned, truth),
          ClassifierMetrics.brier(learned, y),
          ClassifierMetrics.expectedCalibrationError(lr, y),
          model.pairCount(),
          model.pairCount() == 0 ? "-" : model.termName(model.featureCount()),
          trainSeconds);
    }
  }
}
