package io.healthscore.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.healthscore.runtime.client.Channels;
import io.healthscore.scoring.ScoringServer;
import io.healthscore.scoring.learn.FeatureSource;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.FeatureSelection;
import io.healthscore.scoring.upstream.SignalsClient;
import io.healthscore.scoring.upstream.SignalsFeatureSource;
import io.healthscore.signals.SignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.BacktestReport;
import io.healthscore.v1.BacktestRequest;
import io.healthscore.v1.BandCutoffs;
import io.healthscore.v1.Component;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.FeatureSnapshot;
import io.healthscore.v1.GetRescoreRequest;
import io.healthscore.v1.LinearMapping;
import io.healthscore.v1.Measure;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.PutScorecardRequest;
import io.healthscore.v1.RecordOutcomesRequest;
import io.healthscore.v1.Rescore;
import io.healthscore.v1.RescoreState;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.SnapshotKey;
import io.healthscore.v1.StartRescoreRequest;
import io.healthscore.v1.StreamFeatureSnapshotsRequest;
import io.healthscore.v1.StreamFeatureSnapshotsResponse;
import io.healthscore.v1.StreamSignalsRequest;
import io.healthscore.v1.UpsertAccountsRequest;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training-set read through the public APIs: N labelled snapshots (N / 3 accounts, one outcome
 * each, three snapshots 30 days apart before it) of accounts with 40 metrics, in a real
 * signals-service and scoring-service on loopback ports. Measured: Backtest of a scorecard of 40
 * measures (one per metric: its read is that scorecard's projection), and the read of every feature
 * (what Calibrate without a scorecard learns from) through scoring's SignalsFeatureSource. Baseline
 * in the same run, for each: the raw StreamFeatureSnapshots of the same keys and projection from
 * the same signals-service, consumed by an empty loop over the ids and values (signals-service's
 * as-of computation and gRPC alone), so the ratio is what scoring adds.
 *
 * <p>{@code mvn -B -o -Pbenchmark test -pl demo -am -Dtest=TrainingReadBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -DargLine=-Xmx6g} (knobs -Dbenchmark.snapshots=100000
 * -Dbenchmark.days=4: days of data per metric, spread over 200 days).
 */
@Tag("benchmark")
class TrainingReadBenchmark {
  static final int SNAPSHOTS = Integer.getInteger("benchmark.snapshots", 100_000);
  static final int ACCOUNTS = (SNAPSHOTS + 2) / 3;
  static final int METRICS = 40;
  static final int DAYS = Integer.getInteger("benchmark.days", 4);
  static final int BATCH = 10_000;
  static final long DAY = Duration.ofDays(1).toMillis();

  @TempDir Path dir;

  static final String[] IDS = BenchmarkAccounts.ids(ACCOUNTS);

  static String id(int i) {
    return IDS[i];
  }

  static String metric(int m) {
    return String.format("metric%02d", m);
  }

  /** One measure per metric, on its 30-day sum. */
  static Scorecard scorecard() {
    Component.Builder usage = Component.newBuilder().setComponentId("usage").setName("Usage").setWeight(1);
    for (int m = 0; m < METRICS; m++) {
      usage.addMeasures(
          Measure.newBuilder().setMeasureId("m" + m).setName("metric " + m).setFeature(metric(m) + ".sum_30d").setWeight(1)
              .setLinear(LinearMapping.newBuilder().setWorst(0).setBest(20)));
    }
    return Scorecard.newBuilder().setScorecardId("wide").setName("Wide").setIsDefault(true)
        .setBands(BandCutoffs.newBuilder().setYellowFrom(4).setGreenFrom(7)).addComponents(usage).build();
  }

  /** When account {@code i}'s outcome happened: 70 to 99 days ago, so its three snapshots are labelled. */
  static long outcomeAt(long now, int i) {
    return now - (70 + i % 30) * DAY;
  }

  @Test
  void trainingSetReadAgainstTheRawStream() throws Exception {
    StringBuilder report = new StringBuilder();
    report.append(String.format(Locale.ROOT, "%,d labelled snapshots (%,d accounts x 3), %d metrics x %d days each%n",
        ACCOUNTS * 3, ACCOUNTS, METRICS, DAYS));
    SignalsServer signals = SignalsServer.builder(FreshnessBenchmark.config(SignalsServer.SERVICE_NAME, dir)).build().start();
    ManagedChannel toSignals = Channels.forAddress("localhost:" + signals.server().grpcPort());
    ScoringServer scoring =
        ScoringServer.builder(FreshnessBenchmark.config(ScoringServer.SERVICE_NAME, dir)).signalsChannel(toSignals).build().start();
    ManagedChannel client = Channels.forAddress("localhost:" + signals.server().grpcPort());
    ManagedChannel scoringClient = Channels.forAddress("localhost:" + scoring.grpcPort());
    try {
      long now = System.currentTimeMillis();
      long loadStart = System.nanoTime();
      load(client, now);
      signals.engine().checkpoint();
      report.append(String.format(Locale.ROOT, "load (accounts, signals, outcomes, checkpoint): %.1f s%n",
          (System.nanoTime() - loadStart) / 1e9));
      var scores = ScoringServiceGrpc.newBlockingStub(scoringClient);
      long rescoreStart = System.nanoTime();
      scores.withDeadlineAfter(60, TimeUnit.SECONDS).putScorecard(PutScorecardRequest.newBuilder().setScorecard(scorecard()).build());
      // The new scorecard's rescore of every account would compete with the reads measured.
      Rescore rescore = awaitRescore(scores, "wide");
      report.append(String.format(Locale.ROOT, "rescore of %,d accounts after PutScorecard: %.1f s, %s%n",
          rescore.getTotal(), (System.nanoTime() - rescoreStart) / 1e9, rescore.getState()));

      List<SnapshotKey> keys = keys(now);
      FeatureProjection projected = projection();
      // Warm-up of both paths on a tenth of the keys.
      rawRead(client, keys.subList(0, keys.size() / 10), projected);
      for (int round = 1; round <= 2; round++) {
        long start = System.nanoTime();
        BacktestReport backtest =
            scores.withDeadlineAfter(30, TimeUnit.MINUTES)
                .backtest(BacktestRequest.newBuilder().setScorecardId("wide").build()).getReport();
        double api = (System.nanoTime() - start) / 1e9;
        double raw = timed(() -> assertEquals(keys.size(), rawRead(client, keys, projected)));
        assertEquals(keys.size(), backtest.getSamples());
        report.append(String.format(Locale.ROOT,
            "round %d, scorecard projection (%d features + segment, stage, MRR): Backtest %.2f s (%,.0f snapshots/s);"
                + " raw stream %.2f s (%,.0f/s); ratio %.2f%n",
            round, METRICS, api, keys.size() / api, raw, keys.size() / raw, api / raw));
      }
      SignalsClient signalsClient = new SignalsClient(toSignals, Duration.ofSeconds(30));
      AccountDirectory directory = new AccountDirectory(signalsClient);
      directory.loadAll();
      List<FeatureSource.Moment> moments = new ArrayList<>();
      for (SnapshotKey k : keys) {
        moments.add(new FeatureSource.Moment(k.getAccountId(), Timestamps.toMillis(k.getAsOf())));
      }
      for (int round = 1; round <= 2; round++) {
        SignalsFeatureSource source =
            new SignalsFeatureSource(signalsClient, signalsClient, directory, FeatureSelection.everything());
        long[] values = {0};
        double rows = timed(() -> source.snapshotsAsOf(moments).forEach(s -> values[0] += s.features().size()));
        double raw = timed(() -> rawRead(client, keys, FeatureProjection.getDefaultInstance()));
        report.append(String.format(Locale.ROOT,
            "round %d, every feature (%,d values): training rows %.2f s (%,.0f snapshots/s); raw stream %.2f s (%,.0f/s);"
                + " ratio %.2f%n",
            round, values[0], rows, keys.size() / rows, raw, keys.size() / raw, rows / raw));
      }
      report.append(String.format(Locale.ROOT, "load average at the end: %.1f%n",
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    } finally {
      System.out.print(report);
      client.shutdownNow();
      scoringClient.shutdownNow();
      scoring.close();
      toSignals.shutdownNow();
      signals.server().stop();
    }
  }

  /** Waits for the running rescore of {@code scorecardId} (StartRescore returns the running one) to end. */
  static Rescore awaitRescore(ScoringServiceGrpc.ScoringServiceBlockingStub scores, String scorecardId)
      throws InterruptedException {
    Rescore rescore =
        scores.withDeadlineAfter(60, TimeUnit.SECONDS)
            .startRescore(StartRescoreRequest.newBuilder().setScorecardId(scorecardId).build()).getRescore();
    while (rescore.getState() == RescoreState.RESCORE_STATE_RUNNING) {
      Thread.sleep(200);
      rescore = scores.withDeadlineAfter(60, TimeUnit.SECONDS)
          .getRescore(GetRescoreRequest.newBuilder().setRescoreId(rescore.getRescoreId()).build()).getRescore();
    }
    return rescore;
  }

  static double timed(Runnable r) {
    long start = System.nanoTime();
    r.run();
    return (System.nanoTime() - start) / 1e9;
  }

  /** Accounts, DAYS days of every metric spread over the last 200 days, one outcome per account. */
  static void load(ManagedChannel channel, long now) throws InterruptedException {
    var stub = SignalServiceGrpc.newBlockingStub(channel);
    for (int from = 0; from < ACCOUNTS; from += 1000) {
      UpsertAccountsRequest.Builder request = UpsertAccountsRequest.newBuilder();
      RecordOutcomesRequest.Builder outcomes = RecordOutcomesRequest.newBuilder();
      for (int i = from; i < Math.min(ACCOUNTS, from + 1000); i++) {
        request.addAccounts(Account.newBuilder().setAccountId(id(i)).setSegment(i % 2 == 0 ? "smb" : "mid").setMrr(100 + i % 50));
        outcomes.addOutcomes(Outcome.newBuilder().setEventId("o-" + i).setAccountId(id(i))
            .setType(i % 4 == 0 ? OutcomeType.OUTCOME_TYPE_CHURNED : OutcomeType.OUTCOME_TYPE_RENEWED)
            .setOccurredAt(Timestamps.fromMillis(outcomeAt(now, i))));
      }
      stub.withDeadlineAfter(60, TimeUnit.SECONDS).upsertAccounts(request.build());
      stub.withDeadlineAfter(60, TimeUnit.SECONDS).recordOutcomes(outcomes.build());
    }
    long total = (long) ACCOUNTS * METRICS * DAYS;
    int batches = (int) ((total + BATCH - 1) / BATCH);
    FreshnessBenchmark.send(channel, batches, k -> {
      StreamSignalsRequest.Builder b = StreamSignalsRequest.newBuilder();
      for (long g = (long) k * BATCH; g < Math.min(total, (long) (k + 1) * BATCH); g++) {
        int i = (int) (g / (METRICS * DAYS));
        int m = (int) (g / DAYS % METRICS);
        int d = (int) (g % DAYS);
        long daysAgo = 1 + (d * 200L / DAYS + i + m) % 200;
        b.addSignals(Signal.newBuilder().setEventId(i + "-" + m + "-" + d).setAccountId(id(i)).setMetric(metric(m))
            .setNumber((i + m * d) % 20).setOccurredAt(Timestamps.fromMillis(now - daysAgo * DAY)).setSource("benchmark"));
      }
      return b;
    }, new long[1]);
  }

  /** The keys scoring's training set asks for: every account 30, 60 and 90 days before its outcome. */
  static List<SnapshotKey> keys(long now) {
    List<SnapshotKey> keys = new ArrayList<>(ACCOUNTS * 3);
    for (int i = 0; i < ACCOUNTS; i++) {
      for (int k = 3; k >= 1; k--) {
        keys.add(SnapshotKey.newBuilder().setAccountId(id(i)).setAsOf(Timestamps.fromMillis(outcomeAt(now, i) - k * 30 * DAY)).build());
      }
    }
    return keys;
  }

  /** What the scorecard's Backtest asks for. */
  static FeatureProjection projection() {
    FeatureProjection.Builder p = FeatureProjection.newBuilder().addNames("account.mrr")
        .addLabels("account.segment").addLabels("account.lifecycle_stage");
    for (int m = 0; m < METRICS; m++) {
      p.addNames(metric(m) + ".sum_30d");
    }
    return p.build();
  }

  /** The raw stream, every id and value touched by an empty loop; returns the snapshots. */
  static long rawRead(ManagedChannel channel, List<SnapshotKey> keys, FeatureProjection projection) {
    Iterator<StreamFeatureSnapshotsResponse> it =
        SignalServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.MINUTES)
            .streamFeatureSnapshots(StreamFeatureSnapshotsRequest.newBuilder().addAllKeys(keys).setProjection(projection).build());
    long snapshots = 0;
    double sum = 0;
    while (it.hasNext()) {
      for (FeatureSnapshot s : it.next().getSnapshotsList()) {
        snapshots++;
        for (int i = 0; i < s.getFeatureIdsCount(); i++) {
          sum += s.getFeatureIds(i) + s.getFeatureValues(i);
        }
      }
    }
    if (Double.isNaN(sum)) {
      throw new AssertionError("NaN feature");
    }
    return snapshots;
  }
}
