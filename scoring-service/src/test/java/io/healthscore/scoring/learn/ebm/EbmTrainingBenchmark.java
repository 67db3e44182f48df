package io.healthscore.scoring.learn.ebm;

import io.healthscore.scoring.learn.Auc;
import io.healthscore.scoring.learn.LogisticBaseline;
import io.healthscore.scoring.learn.synthetic.ChurnWorld;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Training time of 100,000 accounts × 60 features (6 real metrics, 2 labels, 52 noise metrics)
 * with the default settings, beside the baseline of a plain logistic regression (Newton's method)
 * fitted on the same table in the same run. Run with {@code mvn -B -o -q -Pbenchmark test -pl scoring-service -am
 * -Dtest=EbmTrainingBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("benchmark")
class EbmTrainingBenchmark {
  @Test
  void trainsAHundredThousandAccountsBySixtyFeatures() {
    int accounts = Integer.getInteger("ebm.accounts", 100_000);
    List<ChurnWorld.Account> world = ChurnWorld.generate(accounts, 52, 1);
    TrainingTable table = ChurnWorld.table(world);
    long start = System.nanoTime();
    EbmModel model =
        EbmTrainer.train(
            table,
            EbmSettings.defaults(),
            new TrainingMonitor() {
              @Override
              public void progress(double fraction, String stage) {
                System.out.printf(
                    Locale.ROOT, "  %5.1fs %3.0f%% %s%n", (System.nanoTime() - start) / 1e9, fraction * 100, stage);
              }

              @Override
              public boolean cancelled() {
                return false;
              }
            });
    double seconds = (System.nanoTime() - start) / 1e9;
    long lrStart = System.nanoTime();
    LogisticBaseline.fit(table);
    double lrSeconds = (System.nanoTime() - lrStart) / 1e9;
    List<ChurnWorld.Account> test = ChurnWorld.generate(20_000, 52, 2);
    TrainingTable testTable = ChurnWorld.table(test);
    double auc = Auc.of(model.predict(testTable), testTable.churned());
    double ceiling =
        Auc.of(test.stream().mapToDouble(ChurnWorld.Account::churnProbability).toArray(), testTable.churned());
    System.out.printf(
        Locale.ROOT,
        "EBM training: %d accounts x %d features in %.1f s, logistic regression %.1f s (ratio %.1f);"
            + " %d pairs, model %d bytes; test AUC %.4f, ceiling %.4f%n",
        accounts,
        table.columns().size(),
        seconds,
        lrSeconds,
        seconds / lrSeconds,
        model.pairCount(),
        EbmCodec.toBytes(model).length,
        auc,
        ceiling);
  }
}
