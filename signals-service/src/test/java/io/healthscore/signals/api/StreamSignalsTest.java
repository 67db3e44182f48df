package io.healthscore.signals.api;

import static io.healthscore.signals.TestSignalsServer.number;
import static io.healthscore.signals.TestSignalsServer.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.testing.HandlerResponses;
import io.healthscore.signals.SignalsSettings;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.StreamSignalsRequest;
import io.healthscore.v1.StreamSignalsResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamSignalsTest {
  private static final String ACCOUNT = "acme";
  @TempDir Path dir;

  private static StreamSignalsRequest batch(String batchId, int size, boolean atomic) {
    StreamSignalsRequest.Builder b = StreamSignalsRequest.newBuilder().setBatchId(batchId).setAtomic(atomic);
    Instant at = Instant.now().minusSeconds(30);
    for (int i = 0; i < size; i++) {
      b.addSignals(number(batchId + "-" + i, ACCOUNT, "logins", i, at));
    }
    return b.build();
  }

  /** Collects acknowledgements; {@code done} completes with null on OK or the failure. */
  private static final class Acks implements ClientResponseObserver<StreamSignalsRequest, StreamSignalsResponse> {
    final List<StreamSignalsResponse> received = new CopyOnWriteArrayList<>();
    final CompletableFuture<Throwable> done = new CompletableFuture<>();
    final int initialRequest;
    volatile ClientCallStreamObserver<StreamSignalsRequest> call;

    Acks(int initialRequest) {
      this.initialRequest = initialRequest;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<StreamSignalsRequest> requestStream) {
      call = requestStream;
      if (initialRequest >= 0) {
        requestStream.disableAutoRequestWithInitial(initialRequest);
      }
    }

    @Override
    public void onNext(StreamSignalsResponse value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      done.complete(t);
    }

    @Override
    public void onCompleted() {
      done.complete(null);
    }
  }

  @Test
  void aBatchNotYetStoredWhenTheStreamsDeadlinePassesIsNotStored() throws Exception {
    try (TestSignalsServer signals = TestSignalsServer.start(dir)) {
      signals.createAccounts(ACCOUNT);
      // The context a handler runs in is cancelled when the call's deadline passes or its client leaves.
      Context.CancellableContext call = Context.current().withCancellation();
      call.cancel(null);
      HandlerResponses<StreamSignalsResponse> responses = new HandlerResponses<>();
      StreamObserver<StreamSignalsRequest> requests = call.call(() -> signals.server().service().streamSignals(responses));
      requests.onNext(batch("late", 10, false));
      requests.onCompleted();
      Throwable failure = responses.done().get(30, TimeUnit.SECONDS);
      assertNotNull(failure, () -> "the stream should fail, not acknowledge: " + responses.messages());
      assertEquals(Status.Code.DEADLINE_EXCEEDED, Status.fromThrowable(failure).getCode(), String.valueOf(failure));
      assertEquals(List.of(), responses.messages(), "nothing acknowledged");

      IngestSignalsResponse resent = signals.blocking()
          .ingestSignals(IngestSignalsRequest.newBuilder().addAllSignals(batch("late", 10, false).getSignalsList()).build());
      assertEquals(10, resent.getAccepted(), "the stream stored nothing, so its event ids are new: " + resent);
    }
  }

  @Test
  void acknowledgesEveryBatchInOrderWithItsBatchId() throws Exception {
    try (TestSignalsServer signals = TestSignalsServer.start(dir)) {
      signals.createAccounts(ACCOUNT);
      Acks acks = new Acks(-1);
      StreamObserver<StreamSignalsRequest> requests = signals.async().streamSignals(acks);
      int batches = 100;
      for (int i = 0; i < batches; i++) {
        requests.onNext(batch("b" + i, 50, false));
      }
      requests.onCompleted();
      assertNull(acks.done.get(30, TimeUnit.SECONDS));
      assertEquals(batches, acks.received.size());
      for (int i = 0; i < batches; i++) {
        assertEquals("b" + i, acks.received.get(i).getBatchId());
        assertEquals(50, acks.received.get(i).getAccepted());
      }
      int window = SignalsSettings.DEFAULT_STREAM_WINDOW;
      int peak = signals.server().service().peakStreamBatchesInFlight();
      assertTrue(peak >= 1 && peak <= window, "peak batches in flight " + peak);
    }
  }

  @Test
  void atomicRejectionIsAnsweredInTheAckAndTheStreamGoesOn() throws Exception {
    try (TestSignalsServer signals = TestSignalsServer.start(dir)) {
      signals.createAccounts(ACCOUNT);
      Acks acks = new Acks(-1);
      StreamObserver<StreamSignalsRequest> requests = signals.async().streamSignals(acks);
      StreamSignalsRequest bad = batch("bad", 3, true);
      bad = bad.toBuilder().setSignals(1, bad.getSignals(1).toBuilder().setMetric("No")).build();
      requests.onNext(bad);
      requests.onNext(batch("good", 3, false));
      requests.onCompleted();
      assertNull(acks.done.get(30, TimeUnit.SECONDS));
      StreamSignalsResponse rejected = acks.received.get(0);
      assertEquals("bad", rejected.getBatchId());
      assertEquals(0, rejected.getAccepted());
      assertEquals(1, rejected.getRejectedCount());
      assertEquals("signals[1].metric", rejected.getRejected(0).getField());
      assertEquals(3, acks.received.get(1).getAccepted());
    }
  }

  @Test
  void oversizedBatchEndsTheStreamAfterEarlierAcks() throws Exception {
    try (TestSignalsServer signals =
        TestSignalsServer.start(dir, Map.of(SignalsSettings.MAX_BATCH_SIGNALS, "10"))) {
      signals.createAccounts(ACCOUNT);
      Acks acks = new Acks(-1);
      StreamObserver<StreamSignalsRequest> requests = signals.async().streamSignals(acks);
      requests.onNext(batch("ok", 10, false));
      requests.onNext(batch("too-big", 11, false));
      Throwable failure = acks.done.get(30, TimeUnit.SECONDS);
      assertNotNull(failure);
      assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(failure).getCode());
      assertEquals(1, acks.received.size());
      assertEquals("ok", acks.received.get(0).getBatchId());
    }
  }

  @Test
  void aBatchFirstSentBeforeTheDedupWindowEndsTheStreamAfterEarlierAcksAndStoresNothing() throws Exception {
    Instant now = Instant.now();
    StreamSignalsRequest recent =
        batch("recent", 3, false).toBuilder().setFirstAttemptAt(ts(now.minus(Duration.ofDays(2)))).build();
    StreamSignalsRequest old =
        batch("old", 3, false).toBuilder().setFirstAttemptAt(ts(now.minus(Duration.ofDays(30)))).build();
    try (TestSignalsServer signals = TestSignalsServer.start(dir)) {
      signals.createAccounts(ACCOUNT);
      Acks acks = new Acks(-1);
      StreamObserver<StreamSignalsRequest> requests = signals.async().streamSignals(acks);
      requests.onNext(recent);
      requests.onNext(old);
      Throwable failure = acks.done.get(30, TimeUnit.SECONDS);
      assertNotNull(failure, () -> "the old batch should end the stream: " + acks.received);
      Status status = Status.fromThrowable(failure);
      assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode(), String.valueOf(status));
      assertTrue(status.getDescription().contains("first_attempt_at"), status.getDescription());
      assertTrue(
          status.getDescription().contains("the dedup window is 7 days (HEALTHSCORE_DEDUP_RETENTION_DAYS)"),
          status.getDescription());
      assertEquals(1, acks.received.size(), acks.received.toString());
      assertEquals("recent", acks.received.get(0).getBatchId());
      assertEquals(3, acks.received.get(0).getAccepted());

      IngestSignalsResponse resent = signals.blocking()
          .ingestSignals(IngestSignalsRequest.newBuilder().addAllSignals(old.getSignalsList()).build());
      assertEquals(3, resent.getAccepted(), "the refused batch stored none of its event ids: " + resent);
    }
  }

  @Test
  void serverReadsNoMoreThanItsWindowWhileTheClientIgnoresAcks() throws Exception {
    try (TestSignalsServer signals = TestSignalsServer.start(dir)) {
      signals.createAccounts(ACCOUNT);
      Acks acks = new Acks(0);
      StreamObserver<StreamSignalsRequest> requests = signals.async().streamSignals(acks);
      int batches = 40;
      for (int i = 0; i < batches; i++) {
        requests.onNext(batch("b" + i, 20, false));
      }
      int window = SignalsSettings.DEFAULT_STREAM_WINDOW;
      awaitBatchesProcessed(signals, window);
      // Give a server that ignored flow control every chance to read on.
      Thread.sleep(300);
      assertEquals(window, batchesProcessed(signals));

      acks.call.request(batches);
      requests.onCompleted();
      assertNull(acks.done.get(30, TimeUnit.SECONDS));
      assertEquals(batches, acks.received.size());
      for (int i = 0; i < batches; i++) {
        assertEquals("b" + i, acks.received.get(i).getBatchId());
      }
      assertTrue(signals.server().service().peakStreamBatchesInFlight() <= window);
    }
  }

  private static long batchesProcessed(TestSignalsServer signals) {
    return signals.server().metrics().registry().get("healthscore.signals.batch.size").summary().count();
  }

  private static void awaitBatchesProcessed(TestSignalsServer signals, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (batchesProcessed(signals) < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(expected, batchesProcessed(signals));
  }
}
