package io.healthscore.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.StreamSignalsRequest;
import io.healthscore.v1.StreamSignalsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * StreamSignals ingest over loopback (Netty, real ports), durably stored, against an empty sink
 * service on the same server stack driven by the same client. Requests are built and serialized
 * before timing, so the client's cost is framing only.
 *
 * <p>mvn -B -o -Pbenchmark test -Dtest=StreamIngestBenchmark (from signals-service/); knobs:
 * -Dbench.streams=4 -Dbench.window=8 -Dbench.batches=600 -Dbench.rounds=3 -Dbench.serverWindow=4
 * (HEALTHSCORE_STREAM_WINDOW).
 */
@Tag("benchmark")
class StreamIngestBenchmark {
  private static final int BATCH_SIZE = 1000;
  private static final int ACCOUNTS = 1000;
  private static final int STREAMS = Integer.getInteger("bench.streams", 4);
  private static final int WINDOW = Integer.getInteger("bench.window", 8);
  private static final int BATCHES = Integer.getInteger("bench.batches", 600);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
  private static final int SERVER_WINDOW =
      Integer.getInteger("bench.serverWindow", SignalsSettings.DEFAULT_STREAM_WINDOW);

  @TempDir Path dir;

  /** Acknowledges every batch at once without looking at it: the cost of gRPC alone. */
  private static final class Sink extends SignalServiceGrpc.SignalServiceImplBase {
    @Override
    public StreamObserver<StreamSignalsRequest> streamSignals(StreamObserver<StreamSignalsResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(StreamSignalsRequest batch) {
          out.onNext(
              StreamSignalsResponse.newBuilder().setAccepted(batch.getSignalsCount()).setBatchId(batch.getBatchId()).build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  /** StreamSignals with requests sent as bytes serialized before timing, so the client does not encode. */
  private static final MethodDescriptor<byte[], StreamSignalsResponse> PRESERIALIZED =
      SignalServiceGrpc.getStreamSignalsMethod().toBuilder(new BytesMarshaller(), ProtoUtils.marshaller(StreamSignalsResponse.getDefaultInstance())).build();

  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      throw new UnsupportedOperationException("requests only");
    }
  }

  private static List<byte[]> batches(String run, int count) {
    Instant at = Instant.now().minus(Duration.ofHours(2));
    List<byte[]> batches = new ArrayList<>(count);
    int n = 0;
    for (int b = 0; b < count; b++) {
      StreamSignalsRequest.Builder batch = StreamSignalsRequest.newBuilder().setBatchId(run + b);
      for (int i = 0; i < BATCH_SIZE; i++, n++) {
        batch.addSignals(
            Signal.newBuilder()
                .setEventId(run + "-" + n)
                .setAccountId("acct-" + (n % ACCOUNTS))
                .setUserId("user-" + (n % 37))
                .setMetric("metric." + (n % 10))
                .setNumber(n % 100)
                .setOccurredAt(TestSignalsServer.ts(at.plusMillis(n % 3_600_000)))
                .setSource("bench"));
      }
      batches.add(batch.build().toByteArray());
    }
    return batches;
  }

  /** Sends the batches over STREAMS streams, WINDOW unacknowledged batches each; returns signals/s. */
  private static double run(ManagedChannel channel, List<byte[]> batches) throws Exception {
    AtomicLong accepted = new AtomicLong();
    List<CompletableFuture<Void>> streams = new ArrayList<>();
    long start = System.nanoTime();
    for (int s = 0; s < STREAMS; s++) {
      List<byte[]> mine = new ArrayList<>();
      for (int b = s; b < batches.size(); b += STREAMS) {
        mine.add(batches.get(b));
      }
      streams.add(windowed(channel, mine, accepted));
    }
    CompletableFuture.allOf(streams.toArray(new CompletableFuture[0])).get(10, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals((long) batches.size() * BATCH_SIZE, accepted.get());
    return accepted.get() / seconds;
  }

  private static CompletableFuture<Void> windowed(
      ManagedChannel channel, List<byte[]> batches, AtomicLong accepted) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Object lock = new Object();
    int[] sent = {0};
    int[] acked = {0};
    @SuppressWarnings("unchecked")
    StreamObserver<byte[]>[] requests = new StreamObserver[1];
    requests[0] =
        ClientCalls.asyncBidiStreamingCall(
                channel.newCall(PRESERIALIZED, CallOptions.DEFAULT),
                new StreamObserver<StreamSignalsResponse>() {
                  @Override
                  public void onNext(StreamSignalsResponse ack) {
                    accepted.addAndGet(ack.getAccepted());
                    synchronized (lock) {
                      acked[0]++;
                      if (sent[0] < batches.size()) {
                        requests[0].onNext(batches.get(sent[0]++));
                      } else if (acked[0] == batches.size()) {
                        requests[0].onCompleted();
                      }
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    synchronized (lock) {
      while (sent[0] < Math.min(WINDOW, batches.size())) {
        requests[0].onNext(batches.get(sent[0]++));
      }
    }
    return done;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  @Test
  void streamIngestAgainstAnEmptySink() throws Exception {
    ServiceConfig config =
        TestSignalsServer.config(
                dir.resolve("data"),
                Map.of(
                    SignalsSettings.STREAM_WINDOW, String.valueOf(SERVER_WINDOW),
                    // The production default, not the tests' short window.
                    SignalsSettings.FEED_COALESCE_WINDOW, SignalsSettings.DEFAULT_FEED_COALESCE_WINDOW.toMillis() + "ms"))
            .withGrpcPort(0)
            .withMetricsPort(0);
    Metrics sinkMetrics = new Metrics("sink");
    ServiceServer sink =
        ServiceServer.builder(config.withDataDir(dir.resolve("sink")), sinkMetrics).addService(new Sink()).build().start();
    SignalsServer signals = SignalsServer.builder(config).build().start();
    ManagedChannel toSignals = Channels.forAddress("localhost:" + signals.server().grpcPort());
    ManagedChannel toSink = Channels.forAddress("localhost:" + sink.grpcPort());
    try {
      UpsertAccountsRequest.Builder accounts = UpsertAccountsRequest.newBuilder();
      for (int a = 0; a < ACCOUNTS; a++) {
        accounts.addAccounts(Account.newBuilder().setAccountId("acct-" + a));
      }
      SignalServiceGrpc.newBlockingStub(toSignals).withDeadlineAfter(2, TimeUnit.MINUTES).upsertAccounts(accounts.build());

      // Warm both paths up (JIT, connections, pools) with batches of their own.
      run(toSink, batches("warm-sink", BATCHES / 4));
      run(toSignals, batches("warm", BATCHES / 4));

      // Rounds alternate sink and ingest so that both see the same machine load (it shifts while
      // other processes run); the medians are the result.
      double[] sinkRates = new double[ROUNDS];
      double[] ingestRates = new double[ROUNDS];
      double[] ratios = new double[ROUNDS];
      System.out.printf(
          "StreamSignals benchmark: %d streams x window %d (server window %d), %d batches of %d signals, %d rounds%n",
          STREAMS, WINDOW, SERVER_WINDOW, BATCHES, BATCH_SIZE, ROUNDS);
      for (int r = 0; r < ROUNDS; r++) {
        sinkRates[r] = run(toSink, batches("sink" + r, BATCHES));
        ingestRates[r] = run(toSignals, batches("ingest" + r, BATCHES));
        ratios[r] = ingestRates[r] / sinkRates[r];
        System.out.printf(
            "  round %d: empty sink %,.0f signals/s, durable ingest %,.0f signals/s, ingest / sink %.1f%%%n",
            r + 1, sinkRates[r], ingestRates[r], 100 * ratios[r]);
      }
      System.out.printf(
          "  median: empty sink %,.0f signals/s, durable ingest %,.0f signals/s, ingest / sink %.1f%%%n",
          median(sinkRates), median(ingestRates), 100 * median(ratios));
    } finally {
      toSignals.shutdownNow();
      toSink.shutdownNow();
      signals.close();
      sink.stop();
      sinkMetrics.close();
    }
  }
}
