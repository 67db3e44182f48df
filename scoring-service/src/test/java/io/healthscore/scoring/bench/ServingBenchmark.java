package io.healthscore.scoring.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.ScoringServer;
import io.healthscore.scoring.engine.FeatureNames;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.ScoringServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cached GetScore against a no-op echo on the same server (same interceptors, Netty, loopback),
 * and BatchGetScores of 1,000 accounts. Run: mvn -B -o -Pbenchmark test -Dtest=ServingBenchmark.
 */
@Tag("benchmark")
class ServingBenchmark {
  static final int ACCOUNTS = 1000;
  static final int CONCURRENCY = 64;
  static final int ROUNDS = 3;
  static final long WARMUP_MS = 2000;
  static final long MEASURE_MS = 4000;

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<byte[], byte[]> ECHO =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("benchmark.Echo/Echo")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  static ServerServiceDefinition echoService() {
    return ServerServiceDefinition.builder("benchmark.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> out) -> {
          out.onNext(req);
          out.onCompleted();
        }))
        .build();
  }

  /** Issues one call; the callback runs when it completes. */
  interface AsyncCall {
    void call(int i, Runnable done);
  }

  @TempDir Path dir;

  @Test
  void cachedGetScoreAgainstEchoAndBatchGetScores() throws Exception {
    FakeSignalService signals = new FakeSignalService(Clock.systemUTC(), FeatureNames::metricOf);
    for (int i = 0; i < ACCOUNTS; i++) {
      String id = String.format("acct-%04d", i);
      signals.putAccount(FakeSignalService.account(id, "smb", 100 + i));
      signals.setFeatures(id, Map.of(TestScorecards.FEATURE, (double) (i % 100)));
    }
    Server signalsServer = InProcessServerBuilder.forName("bench-signals").addService(signals).build().start();
    ManagedChannel signalsChannel = InProcessChannelBuilder.forName("bench-signals").build();
    Path config = dir.resolve("config");
    Files.createDirectories(config.resolve("scorecards"));
    Files.writeString(
        config.resolve("scorecards/logins.yaml"),
        com.google.protobuf.util.JsonFormat.printer().preservingProtoFieldNames().print(TestScorecards.logins("logins")));
    Map<String, String> env = new HashMap<>();
    env.put("HEALTHSCORE_CONFIG_DIR", config.toString());
    ServiceConfig cfg = ServiceConfig.fromMap(ScoringServer.SERVICE_NAME, 0, 0, env).withDataDir(dir.resolve("data"));
    ScoringServer server = ScoringServer.builder(cfg).signalsChannel(signalsChannel).addService(echoService()).build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    try {
      long target = signals.lastCursor();
      while (server.appliedSignalsCursor() < target) {
        Thread.sleep(50);
      }
      ScoringServiceGrpc.ScoringServiceBlockingStub blocking = ScoringServiceGrpc.newBlockingStub(channel);
      BatchGetScoresRequest.Builder all = BatchGetScoresRequest.newBuilder();
      for (int i = 0; i < ACCOUNTS; i++) {
        all.addAccountIds(String.format("acct-%04d", i));
      }
      BatchGetScoresRequest batch = all.build();
      assertEquals(ACCOUNTS, blocking.batchGetScores(batch).getScoresCount()); // warms the cache

      GetScoreRequest[] requests = new GetScoreRequest[ACCOUNTS];
      for (int i = 0; i < ACCOUNTS; i++) {
        requests[i] = GetScoreRequest.newBuilder().setAccountId(String.format("acct-%04d", i)).build();
      }
      byte[] echoPayload = requests[0].toByteArray();
      AsyncCall echo = (i, done) -> ClientCalls.asyncUnaryCall(
          channel.newCall(ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), echoPayload, observer(done));
      AsyncCall getScore = (i, done) -> ClientCalls.asyncUnaryCall(
          channel.newCall(ScoringServiceGrpc.getGetScoreMethod(), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
          requests[i % ACCOUNTS], observer(done));

      // Alternate the two in rounds so both see the same machine load; report the medians.
      double[] echoRuns = new double[ROUNDS];
      double[] scoreRuns = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        echoRuns[r] = maxThroughput(echo);
        scoreRuns[r] = maxThroughput(getScore);
      }
      Arrays.sort(echoRuns);
      Arrays.sort(scoreRuns);
      double echoMax = echoRuns[ROUNDS / 2];
      double scoreMax = scoreRuns[ROUNDS / 2];
      double rate = echoMax / 2;
      long[] echoLatency = fixedRate(echo, rate);
      long[] scoreLatency = fixedRate(getScore, rate);

      int batchCalls = 30;
      for (int i = 0; i < 5; i++) {
        blocking.batchGetScores(batch);
      }
      long[] batchNanos = new long[batchCalls];
      long batchStart = System.nanoTime();
      for (int i = 0; i < batchCalls; i++) {
        long t = System.nanoTime();
        blocking.batchGetScores(batch);
        batchNanos[i] = System.nanoTime() - t;
      }
      double batchSeconds = (System.nanoTime() - batchStart) / 1e9;
      Arrays.sort(batchNanos);

      String report = String.format(
          "median of %d alternating rounds: echo max %.0f calls/s; cached GetScore max %.0f calls/s; ratio %.2f%n"
              + "at %.0f calls/s (half the echo's max): echo p50 %.3f ms p99 %.3f ms; GetScore p50 %.3f ms p99 %.3f ms%n"
              + "BatchGetScores of %d cached accounts: p50 %.1f ms, p99 %.1f ms, %.0f scores/s (one caller)%n",
          ROUNDS, echoMax, scoreMax, scoreMax / echoMax, rate,
          pct(echoLatency, 50), pct(echoLatency, 99), pct(scoreLatency, 50), pct(scoreLatency, 99),
          ACCOUNTS, batchNanos[batchCalls / 2] / 1e6, batchNanos[(int) Math.ceil(batchCalls * 0.99) - 1] / 1e6,
          ACCOUNTS * batchCalls / batchSeconds);
      System.out.print(report);
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target/serving-benchmark.txt"), report);
      assertTrue(scoreMax > 0 && echoMax > 0);
    } finally {
      channel.shutdownNow();
      server.stop();
      signalsChannel.shutdownNow();
      signalsServer.shutdownNow();
    }
  }

  static <T> StreamObserver<T> observer(Runnable done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        done.run();
      }

      @Override
      public void onCompleted() {
        done.run();
      }
    };
  }

  /** Completed calls per second with CONCURRENCY calls always in flight, after a warm-up. */
  static double maxThroughput(AsyncCall call) throws InterruptedException {
    Semaphore inFlight = new Semaphore(CONCURRENCY);
    AtomicLong completed = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WARMUP_MS + MEASURE_MS);
    long measureFrom = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WARMUP_MS);
    long countAtStart = -1;
    int i = 0;
    while (System.nanoTime() < end) {
      inFlight.acquire();
      if (countAtStart < 0 && System.nanoTime() >= measureFrom) {
        countAtStart = completed.get();
      }
      call.call(i++, () -> {
        completed.incrementAndGet();
        inFlight.release();
      });
    }
    long measured = completed.get() - countAtStart;
    inFlight.acquire(CONCURRENCY);
    return measured / (MEASURE_MS / 1000.0);
  }

  /**
   * Latencies (ns) of calls sent at a fixed rate, measured from when each call was due, so a
   * stalled server shows in the numbers instead of slowing the sender down.
   */
  static long[] fixedRate(AsyncCall call, double perSecond) throws InterruptedException {
    long interval = (long) (1e9 / perSecond);
    int warm = (int) (perSecond * WARMUP_MS / 1000);
    int n = (int) (perSecond * MEASURE_MS / 1000);
    long[] latency = new long[n];
    CountDownLatch done = new CountDownLatch(warm + n);
    long start = System.nanoTime();
    for (int i = 0; i < warm + n; i++) {
      long due = start + i * interval;
      while (System.nanoTime() < due) {
        Thread.onSpinWait();
      }
      int index = i - warm;
      call.call(i, () -> {
        if (index >= 0) {
          latency[index] = System.nanoTime() - due;
        }
        done.countDown();
      });
    }
    done.await(60, TimeUnit.SECONDS);
    Arrays.sort(latency);
    return latency;
  }

  static double pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)] / 1e6;
  }

}
