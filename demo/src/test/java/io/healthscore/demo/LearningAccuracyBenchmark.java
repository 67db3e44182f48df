package io.healthscore.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.scoring.ScoringServer;
import io.healthscore.scoring.learn.Auc;
import io.healthscore.scoring.learn.ClassifierMetrics;
import io.healthscore.scoring.learn.LogisticBaseline;
import io.healthscore.scoring.learn.synthetic.ChurnWorld;
import io.healthscore.signals.SignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.ActivateModelRequest;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.RecordOutcomesRequest;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.UpsertAccountsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Learning accuracy through the public API: the synthetic churn world (known probabilities) is
 * loaded into a real signals-service over gRPC (numeric metrics as signals, contract and plan as
 * account attributes, outcomes of the training accounts), scoring-service learns with Calibrate
 * and no scorecard, and the model is activated. Test accounts (no outcomes recorded) are then
 * read back with BatchGetScores, and in the same run the AUC on them of: the true probabilities
 * (the ceiling), the served churn_probability, a plain logistic regression on the same columns
 * fitted in process on the training accounts, and the balanced template's score (10 − score,
 * before activation). Test accounts are served with their signals as old as the training
 * snapshots saw them, so that no test row lies where training had none. Run with
 * {@code mvn -B -o -q -Pbenchmark test -pl demo -am
 * -Dtest=LearningAccuracyBenchmark -Dsurefire.failIfNoSpecifiedTests=false}; knobs
 * {@code -Dbenchmark.train=8000 -Dbenchmark.test=4000 -Dbenchmark.noise=20 -Dbenchmark.seed=1}.
 */
@Tag("benchmark")
class LearningAccuracyBenchmark {
  static final long DAY = Duration.ofDays(1).toMillis();
  static final int TRAIN = Integer.getInteger("benchmark.train", 8000);
  static final int TEST = Integer.getInteger("benchmark.test", 4000);
  static final int NOISE = Integer.getInteger("benchmark.noise", 20);
  static final long SEED = Long.getLong("benchmark.seed", 1);

  @TempDir Path dir;

  static ServiceConfig config(String service, Path data) {
    return ServiceConfig.fromMap(service, 0, 0, Map.of(ServiceConfig.DATA_DIR, data.resolve(service).toString()))
        .withGrpcPort(0)
        .withMetricsPort(0);
  }

  static String id(String side, int i) {
    return side + "-" + i;
  }

  @Test
  void learnedModelAgainstTheCeilingThroughTheApi() throws Exception {
    List<ChurnWorld.Account> train = ChurnWorld.generate(TRAIN, NOISE, SEED);
    List<ChurnWorld.Account> test = ChurnWorld.generate(TEST, NOISE, SEED + 1000);
    SignalsServer signals = SignalsServer.builder(config(SignalsServer.SERVICE_NAME, dir)).build().start();
    ManagedChannel toSignals = Channels.forAddress("localhost:" + signals.server().grpcPort());
    ScoringServer scoring =
        ScoringServer.builder(config(ScoringServer.SERVICE_NAME, dir)).signalsChannel(toSignals).build().start();
    ManagedChannel client = Channels.forAddress("localhost:" + signals.server().grpcPort());
    ManagedChannel scoringClient = Channels.forAddress("localhost:" + scoring.grpcPort());
    StringBuilder out = new StringBuilder();
    try {
      var producer = SignalServiceGrpc.newBlockingStub(client);
      var scores = ScoringServiceGrpc.newBlockingStub(scoringClient);
      long now = System.currentTimeMillis();
      long loadStart = System.nanoTime();
      // training snapshots see their signal 50-170 days old (300 days back, snapshots 130-250 days
      // back); each test account is served with its signal as old as one of them
      load(producer, "train", train, i -> now - 300 * DAY);
      load(producer, "test", test, i -> now - (50 + i % 121) * DAY);
      // outcomes of the training accounts only, old enough that no snapshot's horizon is open
      List<Outcome> outcomes = new ArrayList<>();
      for (int i = 0; i < train.size(); i++) {
        outcomes.add(Outcome.newBuilder().setEventId("o-" + i).setAccountId(id("train", i))
            .setType(train.get(i).churned() ? OutcomeType.OUTCOME_TYPE_CHURNED : OutcomeType.OUTCOME_TYPE_RENEWED)
            .setOccurredAt(Timestamps.fromMillis(now - (100 + i % 60) * DAY)).build());
        if (outcomes.size() == 1000 || i == train.size() - 1) {
          producer.withDeadlineAfter(60, TimeUnit.SECONDS)
              .recordOutcomes(RecordOutcomesRequest.newBuilder().addAllOutcomes(outcomes).build());
          outcomes.clear();
        }
      }
      out.append(String.format(Locale.ROOT, "loaded %,d training and %,d test accounts in %.1f s%n",
          TRAIN, TEST, (System.nanoTime() - loadStart) / 1e9));

      List<String> testIds = new ArrayList<>();
      for (int i = 0; i < test.size(); i++) {
        testIds.add(id("test", i));
      }
      // the feed scores every loaded account; reading 20,000 scores meanwhile would compete with it
      FreshnessBenchmark.awaitCaughtUp(signals, scoring, Duration.ofMinutes(30));
      List<HealthScore> template = awaitScores(scores, testIds, "");

      System.out.printf(Locale.ROOT, "template scores read after %.1f s%n", (System.nanoTime() - loadStart) / 1e9);
      long trainStart = System.nanoTime();
      CalibrationReport report =
          scores.withDeadlineAfter(30, TimeUnit.MINUTES).calibrate(CalibrateRequest.getDefaultInstance()).getReport();
      double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
      scores.withDeadlineAfter(60, TimeUnit.SECONDS)
          .activateModel(ActivateModelRequest.newBuilder().setModelId(report.getModelId()).build());
      System.out.printf(Locale.ROOT, "trained in %.1f s%n", trainSeconds);
      List<HealthScore> learned = awaitScores(scores, testIds, report.getModelId());

      boolean[] y = new boolean[test.size()];
      double[] truth = new double[test.size()];
      double[] served = new double[test.size()];
      double[] balanced = new double[test.size()];
      for (int i = 0; i < test.size(); i++) {
        y[i] = test.get(i).churned();
        truth[i] = test.get(i).churnProbability();
        served[i] = learned.get(i).getChurnProbability();
        balanced[i] = 10 - template.get(i).getScore();
      }
      double lr = Auc.of(LogisticBaseline.fit(ChurnWorld.table(train)).predict(ChurnWorld.table(test)), y);
      double ceiling = Auc.of(truth, y);
      double model = Auc.of(served, y);
      out.append(String.format(Locale.ROOT,
          "Calibrate (no scorecard) over the API: %d samples, %d features, %d pairs, %.1f s%n"
              + "test accounts served by the model: ceiling AUC %.4f, learned %.4f (%.3f of ceiling),"
              + " logistic regression %.4f (learned - LR %+.3f), balanced template %.4f;"
              + " learned ECE %.4f; report's hold-out AUC %.4f and LR %.4f%n",
          report.getSamples(), report.getFeaturesCount(), report.getInteractionsCount(), trainSeconds,
          ceiling, model, model / ceiling, lr, model - lr, Auc.of(balanced, y),
          ClassifierMetrics.expectedCalibrationError(served, y), report.getAuc(), report.getLogisticAuc()));
      System.out.print(out);
      Files.writeString(Path.of("target", "learning-accuracy-benchmark.txt"), out.toString());
      assertTrue(model > 0.5, out.toString());
    } finally {
      client.shutdownNow();
      scoringClient.shutdownNow();
      scoring.close();
      toSignals.shutdownNow();
      signals.close();
    }
  }

  /** Accounts with contract and plan as attributes, each numeric column one signal sent at sentAt(i). */
  static void load(SignalServiceGrpc.SignalServiceBlockingStub producer, String side, List<ChurnWorld.Account> accounts,
      IntToLongFunction sentAt) {
    List<Account> batch = new ArrayList<>();
    for (int i = 0; i < accounts.size(); i++) {
      Map<String, String> attributes = new HashMap<>(accounts.get(i).labels());
      batch.add(Account.newBuilder().setAccountId(id(side, i)).setName(side + " " + i).setSegment("smb").setMrr(100)
          .putAllAttributes(attributes).build());
      if (batch.size() == 500 || i == accounts.size() - 1) {
        producer.withDeadlineAfter(60, TimeUnit.SECONDS)
            .upsertAccounts(UpsertAccountsRequest.newBuilder().addAllAccounts(batch).build());
        batch.clear();
      }
    }
    List<Signal> signals = new ArrayList<>();
    for (int i = 0; i < accounts.size(); i++) {
      ChurnWorld.Account a = accounts.get(i);
      for (var e : a.numbers().entrySet()) {
        if (!Double.isNaN(e.getValue())) {
          signals.add(Signal.newBuilder().setEventId(side + "-" + i + "-" + e.getKey()).setAccountId(id(side, i))
              .setMetric(e.getKey()).setNumber(e.getValue()).setOccurredAt(Timestamps.fromMillis(sentAt.applyAsLong(i)))
              .setSource("benchmark").build());
        }
      }
      while (signals.size() >= 1000 || (i == accounts.size() - 1 && !signals.isEmpty())) {
        List<Signal> part = signals.subList(0, Math.min(1000, signals.size()));
        var ack = producer.withDeadlineAfter(60, TimeUnit.SECONDS)
            .ingestSignals(IngestSignalsRequest.newBuilder().addAllSignals(part).build());
        if (ack.getRejectedCount() > 0) {
          throw new AssertionError("signals rejected: " + ack.getRejectedList());
        }
        part.clear();
      }
    }
  }

  /** The accounts' primary scores, once every one is scored by the model when one is named. */
  static List<HealthScore> awaitScores(ScoringServiceGrpc.ScoringServiceBlockingStub scores, List<String> ids,
      String modelId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
    while (true) {
      List<HealthScore> all = new ArrayList<>();
      boolean ready = true;
      for (int from = 0; from < ids.size() && ready; from += 250) {
        List<HealthScore> page = scores.withDeadlineAfter(60, TimeUnit.SECONDS).batchGetScores(
            BatchGetScoresRequest.newBuilder().addAllAccountIds(ids.subList(from, Math.min(ids.size(), from + 250)))
                .build()).getScoresList();
        for (HealthScore s : page) {
          ready &= modelId.isEmpty() || s.getModelId().equals(modelId);
        }
        all.addAll(page);
      }
      if (ready && all.size() == ids.size()) {
        return all;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("scores not ready for model '" + modelId + "'");
      }
      Thread.sleep(500);
    }
  }
}
