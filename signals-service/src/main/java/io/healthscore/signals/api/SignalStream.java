package io.healthscore.signals.api;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.v1.StreamSignalsRequest;
import io.healthscore.v1.StreamSignalsResponse;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One StreamSignals call with flow control. Automatic inbound flow control is off: the server asks
 * gRPC for {@code window} batches up front and for one more only after a batch is acknowledged and
 * the client is reading acknowledgements (the transport is ready). So at most {@code window}
 * batches per stream are in memory, however fast the producer sends; HTTP/2 flow control holds the
 * rest in the client. Batches are made durable concurrently on worker threads, acknowledged in
 * request order. A batch not yet logged when the call's deadline passes or its client leaves is not
 * stored.
 */
final class SignalStream implements StreamObserver<StreamSignalsRequest> {
  private final ServerCallStreamObserver<StreamSignalsResponse> responses;
  private final SignalIngestion ingestion;
  private final IngestMetrics metrics;
  private final Executor workers;
  private final AtomicInteger peakInFlight;
  /** The call's context: cancelled when its deadline passes or its client goes away. */
  private final Context call;
  /** Batches read and not yet acknowledged, oldest first. */
  @GuardedBy("this")
  private final ArrayDeque<CompletableFuture<StreamSignalsResponse>> inFlight = new ArrayDeque<>();
  private int creditsOwed;
  private boolean halfClosed;
  private boolean finished;

  private SignalStream(
      ServerCallStreamObserver<StreamSignalsResponse> responses,
      SignalIngestion ingestion,
      IngestMetrics metrics,
      Executor workers,
      AtomicInteger peakInFlight,
      Context call) {
    this.responses = responses;
    this.call = call;
    this.ingestion = ingestion;
    this.metrics = metrics;
    this.workers = workers;
    this.peakInFlight = peakInFlight;
  }

  /** Must be called from the service method, before it returns. */
  static SignalStream start(
      StreamObserver<StreamSignalsResponse> observer,
      SignalIngestion ingestion,
      IngestMetrics metrics,
      Executor workers,
      int window,
      AtomicInteger peakInFlight) {
    ServerCallStreamObserver<StreamSignalsResponse> responses =
        (ServerCallStreamObserver<StreamSignalsResponse>) observer;
    responses.disableAutoRequest();
    SignalStream stream = new SignalStream(responses, ingestion, metrics, workers, peakInFlight, Context.current());
    responses.setOnReadyHandler(stream::onTransportReady);
    responses.setOnCancelHandler(stream::onCancelled);
    responses.request(window);
    return stream;
  }

  @Override
  public void onNext(StreamSignalsRequest request) {
    CompletableFuture<StreamSignalsResponse> ack;
    synchronized (this) {
      if (finished) {
        return;
      }
      metrics.streamBatchStarted();
      ack = CompletableFuture.supplyAsync(() -> process(request), workers);
      inFlight.add(ack);
      peakInFlight.accumulateAndGet(inFlight.size(), Math::max);
    }
    ack.whenComplete((response, failure) -> sendCompleted());
  }

  private StreamSignalsResponse process(StreamSignalsRequest request) {
    SignalIngestion.Result result =
        ingestion.ingest(
            request.getSignalsList(),
            request.getAtomic(),
            request.hasFirstAttemptAt() ? Optional.of(request.getFirstAttemptAt()) : Optional.empty(),
            call::isCancelled);
    StreamSignalsResponse.Builder ack =
        StreamSignalsResponse.newBuilder()
            .setAccepted(result.accepted())
            .setDuplicates(result.duplicates())
            .setBatchId(request.getBatchId());
    result.rejected().forEach(v -> ack.addRejected(v.toProto()));
    return ack.build();
  }

  /** Sends the acknowledgements that are ready, in order, and asks for as many new batches. */
  private synchronized void sendCompleted() {
    while (!inFlight.isEmpty() && inFlight.peek().isDone()) {
      CompletableFuture<StreamSignalsResponse> done = inFlight.poll();
      metrics.streamBatchDone();
      if (finished) {
        continue;
      }
      try {
        responses.onNext(done.join());
        creditsOwed++;
      } catch (RuntimeException e) {
        finished = true;
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        responses.onError(ApiErrors.toStatusException(cause));
      }
    }
    grantCredits();
    completeIfDone();
  }

  private synchronized void onTransportReady() {
    grantCredits();
  }

  /** Lets the next batches in only while the client keeps up with acknowledgements. */
  private void grantCredits() {
    if (!finished && !halfClosed && creditsOwed > 0 && responses.isReady()) {
      responses.request(creditsOwed);
      creditsOwed = 0;
    }
  }

  @GuardedBy("this")
  private void completeIfDone() {
    if (halfClosed && inFlight.isEmpty() && !finished) {
      finished = true;
      responses.onCompleted();
    }
  }

  @Override
  public synchronized void onCompleted() {
    halfClosed = true;
    completeIfDone();
  }

  @Override
  public synchronized void onError(Throwable t) {
    // The client went away or failed. Batches already logged stay durable; the rest are not logged
    // (the call's context is cancelled), as their acknowledgements could not reach it anyway.
    finished = true;
  }

  private synchronized void onCancelled() {
    finished = true;
  }
}
