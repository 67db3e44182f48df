package io.healthscore.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.FeatureSnapshot;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.SnapshotKey;
import io.healthscore.v1.StreamFeatureSnapshotsRequest;
import io.healthscore.v1.StreamFeatureSnapshotsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training-set read: StreamFeatureSnapshots of ACCOUNTS x MOMENTS labelled snapshots (account, as
 * of) with every feature of 40 metrics, over loopback (Netty), from checkpointed rollups. Baseline in
 * the same run: a replay service on the same server stack that streams the same number of
 * responses of the same sizes (the first responses of the real read, repeated), with the same flow
 * control, to the same client: gRPC and decoding alone. Then the wire form: the same snapshots as
 * name dictionaries with packed ids and values against a map per snapshot (GetFeaturesResponse),
 * bytes and encode + decode time.
 *
 * <p>mvn -B -o -Pbenchmark test -pl signals-service -am -Dtest=FeatureSnapshotsBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false; knobs -Dbench.accounts=5000 -Dbench.moments=20
 * -Dbench.days=8.
 */
@Tag("benchmark")
class FeatureSnapshotsBenchmark {
  private static final int ACCOUNTS = Integer.getInteger("bench.accounts", 5000);
  private static final int MOMENTS = Integer.getInteger("bench.moments", 20);
  private static final int DAYS = Integer.getInteger("bench.days", 8);
  private static final int METRICS = 40;
  private static final int METRICS_WITH_USERS = 10;
  private static final Instant TODAY = Instant.now().truncatedTo(ChronoUnit.DAYS);

  @TempDir Path dir;

  /** What one read returned and took. */
  private record Read(double seconds, long snapshots, long values, long responses, long bytes, List<StreamFeatureSnapshotsResponse> firstResponses) {}

  /** Streams the responses it is given, cycling, as many as asked, only while the client is ready. */
  private static final class Replay extends SignalServiceGrpc.SignalServiceImplBase {
    volatile List<StreamFeatureSnapshotsResponse> responses = List.of();
    volatile long count;

    @Override
    public void streamFeatureSnapshots(
        StreamFeatureSnapshotsRequest request, StreamObserver<StreamFeatureSnapshotsResponse> out) {
      ServerCallStreamObserver<StreamFeatureSnapshotsResponse> call =
          (ServerCallStreamObserver<StreamFeatureSnapshotsResponse>) out;
      long[] sent = {0};
      boolean[] done = {false};
      Runnable pump =
          () -> {
            synchronized (sent) {
              while (!done[0] && call.isReady()) {
                if (sent[0] == count) {
                  done[0] = true;
                  call.onCompleted();
                  return;
                }
                call.onNext(responses.get((int) (sent[0]++ % responses.size())));
              }
            }
          };
      call.setOnReadyHandler(pump);
      call.setOnCancelHandler(() -> {});
      pump.run();
    }
  }

  @Test
  void trainingSetReadAgainstReplayBaseline() throws Exception {
    ServiceConfig config = TestSignalsServer.config(dir.resolve("data"), Map.of()).withGrpcPort(0).withMetricsPort(0);
    Replay replay = new Replay();
    Metrics replayMetrics = new Metrics("replay");
    ServiceServer replayServer =
        ServiceServer.builder(config.withDataDir(dir.resolve("replay")), replayMetrics).addService(replay).build().start();
    SignalsServer signals = SignalsServer.builder(config).build().start();
    ManagedChannel toSignals = Channels.forAddress("localhost:" + signals.server().grpcPort());
    ManagedChannel toReplay = Channels.forAddress("localhost:" + replayServer.grpcPort());
    try {
      long loadStart = System.nanoTime();
      load(toSignals);
      signals.engine().checkpoint();
      System.out.printf(
          "training-set read benchmark: %,d accounts x %d moments = %,d snapshots, %d metrics (%d with users) x %d days each%n"
              + "  load (IngestSignals + checkpoint): %.1f s%n",
          ACCOUNTS, MOMENTS, ACCOUNTS * MOMENTS, METRICS, METRICS_WITH_USERS, DAYS, (System.nanoTime() - loadStart) / 1e9);

      List<SnapshotKey> keys = keys();
      read(toSignals, keys.subList(0, keys.size() / 10)); // warm up
      Read real = read(toSignals, keys);
      replay.responses = real.firstResponses();
      replay.count = real.responses();
      read(toReplay, keys.subList(0, 100)); // warm up the replay path too
      Read baseline = read(toReplay, keys.subList(0, 1));
      System.out.printf(
          "  StreamFeatureSnapshots: %.2f s, %,.0f snapshots/s, %,d values, %,d responses, %.1f MB%n"
              + "  baseline (replay of as many responses of the same sizes): %.2f s, %.1f MB%n"
              + "  ratio read/baseline: %.1f%n",
          real.seconds(), real.snapshots() / real.seconds(), real.values(), real.responses(), real.bytes() / 1e6,
          baseline.seconds(), baseline.bytes() / 1e6, real.seconds() / baseline.seconds());
      assertEquals((long) ACCOUNTS * MOMENTS, real.snapshots());
      compareWireForms(real.firstResponses());
    } finally {
      toSignals.shutdownNow();
      toReplay.shutdownNow();
      signals.close();
      replayServer.stop();
      replayMetrics.close();
    }
  }

  /** ACCOUNTS accounts, 40 metrics each with DAYS days of data spread over 120 days, 2 threads. */
  private static void load(ManagedChannel channel) throws Exception {
    SignalServiceGrpc.SignalServiceBlockingStub stub =
        SignalServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.MINUTES);
    for (int from = 0; from < ACCOUNTS; from += 5000) {
      UpsertAccountsRequest.Builder accounts = UpsertAccountsRequest.newBuilder();
      for (int a = from; a < Math.min(ACCOUNTS, from + 5000); a++) {
        accounts.addAccounts(Account.newBuilder().setAccountId("acct-" + a).setMrr(100 + a % 900).setLicenses(20));
      }
      stub.upsertAccounts(accounts.build());
    }
    ExecutorService loaders = Executors.newFixedThreadPool(2);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int thread = t;
      done.add(
          loaders.submit(
              () -> {
                IngestSignalsRequest.Builder batch = IngestSignalsRequest.newBuilder();
                for (int a = thread; a < ACCOUNTS; a += 2) {
                  for (int m = 0; m < METRICS; m++) {
                    for (int d = 0; d < DAYS; d++) {
                      long daysAgo = 1 + (d * 120L / DAYS + a + m) % 120;
                      Signal.Builder s =
                          Signal.newBuilder()
                              .setEventId(a + "-" + m + "-" + d)
                              .setAccountId("acct-" + a)
                              .setMetric("metric." + m)
                              .setNumber((a + m * d) % 50)
                              .setOccurredAt(TestSignalsServer.ts(TODAY.minus(Duration.ofDays(daysAgo)).plusSeconds(a % 80_000)))
                              .setSource("bench");
                      if (m < METRICS_WITH_USERS) {
                        s.setUserId("u" + (a + d) % 7);
                      }
                      batch.addSignals(s);
                      if (batch.getSignalsCount() == 10_000) {
                        stub.ingestSignals(batch.build());
                        batch.clear();
                      }
                    }
                  }
                }
                if (batch.getSignalsCount() > 0) {
                  stub.ingestSignals(batch.build());
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    loaders.shutdown();
  }

  /** Every account at MOMENTS moments over the last 100 days, grouped by account as a trainer sends them. */
  private static List<SnapshotKey> keys() {
    List<SnapshotKey> keys = new ArrayList<>(ACCOUNTS * MOMENTS);
    for (int a = 0; a < ACCOUNTS; a++) {
      for (int t = 0; t < MOMENTS; t++) {
        keys.add(
            SnapshotKey.newBuilder()
                .setAccountId("acct-" + a)
                .setAsOf(TestSignalsServer.ts(TODAY.minus(Duration.ofDays(t * 100L / MOMENTS)).plus(Duration.ofHours(12))))
                .build());
      }
    }
    return keys;
  }

  /** Reads the keys as a trainer would: every value decoded through the dictionaries into arrays. */
  private static Read read(ManagedChannel channel, List<SnapshotKey> keys) {
    long start = System.nanoTime();
    Iterator<StreamFeatureSnapshotsResponse> it =
        SignalServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.MINUTES)
            .streamFeatureSnapshots(StreamFeatureSnapshotsRequest.newBuilder().addAllKeys(keys).build());
    List<String> names = new ArrayList<>();
    List<StreamFeatureSnapshotsResponse> first = new ArrayList<>();
    long snapshots = 0;
    long values = 0;
    long responses = 0;
    long bytes = 0;
    double checksum = 0;
    while (it.hasNext()) {
      StreamFeatureSnapshotsResponse r = it.next();
      responses++;
      bytes += r.getSerializedSize();
      if (first.size() < 4) {
        first.add(r);
      }
      names.addAll(r.getNewFeatureNamesList());
      for (FeatureSnapshot s : r.getSnapshotsList()) {
        snapshots++;
        double[] row = new double[names.size()];
        for (int i = 0; i < s.getFeatureIdsCount(); i++) {
          row[s.getFeatureIds(i)] = s.getFeatureValues(i);
        }
        values += s.getFeatureIdsCount();
        checksum += row[0];
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (Double.isNaN(checksum)) {
      throw new AssertionError("NaN feature");
    }
    return new Read(seconds, snapshots, values, responses, bytes, first);
  }

  /** Dictionary responses against a map per snapshot for the same snapshots: bytes and encode + decode time. */
  private static void compareWireForms(List<StreamFeatureSnapshotsResponse> dictionaryForm) throws Exception {
    List<String> names = new ArrayList<>();
    List<BatchGetFeaturesResponse> mapForm = new ArrayList<>();
    for (StreamFeatureSnapshotsResponse r : dictionaryForm) {
      names.addAll(r.getNewFeatureNamesList());
      BatchGetFeaturesResponse.Builder batch = BatchGetFeaturesResponse.newBuilder();
      for (FeatureSnapshot s : r.getSnapshotsList()) {
        GetFeaturesResponse.Builder one = GetFeaturesResponse.newBuilder().setAccountId("acct-" + s.getKeyIndex() / MOMENTS);
        for (int i = 0; i < s.getFeatureIdsCount(); i++) {
          one.putFeatures(names.get(s.getFeatureIds(i)), s.getFeatureValues(i));
        }
        batch.addAccounts(one);
      }
      mapForm.add(batch.build());
    }
    int snapshots = dictionaryForm.stream().mapToInt(StreamFeatureSnapshotsResponse::getSnapshotsCount).sum();
    long dictionaryBytes = dictionaryForm.stream().mapToLong(StreamFeatureSnapshotsResponse::getSerializedSize).sum();
    long mapBytes = mapForm.stream().mapToLong(BatchGetFeaturesResponse::getSerializedSize).sum();
    double dictionaryTime = 0;
    double mapTime = 0;
    for (int round = 0; round < 6; round++) {
      double d = roundTrip(dictionaryForm, StreamFeatureSnapshotsResponse.parser());
      double m = roundTrip(mapForm, BatchGetFeaturesResponse.parser());
      if (round >= 2) { // the first rounds warm up
        dictionaryTime += d;
        mapTime += m;
      }
    }
    System.out.printf(
        "  wire form, %,d snapshots: dictionary + packed %,d bytes (%.0f per snapshot), map per snapshot %,d bytes"
            + " (%.0f per snapshot): map/dictionary %.2fx bytes; encode + decode map/dictionary %.2fx time%n",
        snapshots, dictionaryBytes, (double) dictionaryBytes / snapshots, mapBytes, (double) mapBytes / snapshots,
        (double) mapBytes / dictionaryBytes, mapTime / dictionaryTime);
  }

  private static <T extends com.google.protobuf.MessageLite> double roundTrip(
      List<T> messages, com.google.protobuf.Parser<T> parser) throws Exception {
    long start = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      for (T m : messages) {
        parser.parseFrom(m.toByteArray());
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }
}
