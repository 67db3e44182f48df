package io.healthscore.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.EchoService;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.metrics.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Overload behaviour of a real Netty server wired as main() wires it. */
class AdmissionTest {
  private static final MethodDescriptor<String, String> HOLD = EchoService.method("Hold", MethodType.UNARY);
  private static final MethodDescriptor<String, String> WATCH = EchoService.method("Watch", MethodType.SERVER_STREAMING);

  /** Unary calls block until released; streams stay open until the client goes away. */
  private final Semaphore release = new Semaphore(0);
  private final Semaphore unaryStarted = new Semaphore(0);
  private final AtomicInteger streamsOpen = new AtomicInteger();
  private final AtomicInteger streamsStarted = new AtomicInteger();
  private final List<StreamObserver<String>> openStreams = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  private Metrics metrics;

  @AfterEach
  void tearDown() throws Exception {
    release.release(1000);
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
  }

  @Test
  void callsPastTheLimitAreRefusedWithRetryInfoHealthIsAnsweredAndTheServerRecovers() throws Exception {
    ManagedChannel channel = start(Map.of(ServiceConfig.MAX_CALLS_IN_FLIGHT, "2"));
    List<CompletableFuture<String>> held = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      held.add(CompletableFuture.supplyAsync(() -> ClientCalls.blockingUnaryCall(channel, HOLD, CallOptions.DEFAULT, "hold")));
    }
    assertTrue(unaryStarted.tryAcquire(2, 10, TimeUnit.SECONDS), "the first two calls should start");

    StatusRuntimeException refused =
        assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(channel, HOLD, CallOptions.DEFAULT, "hold-third"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    RetryInfo retry = StatusProto.fromThrowable(refused).getDetails(0).unpack(RetryInfo.class);
    assertEquals(Admission.RETRY_AFTER.toMillis(), retry.getRetryDelay().getNanos() / 1_000_000);
    assertEquals(0, unaryStarted.availablePermits(), "the refused call must not reach its handler");
    assertTrue(metrics.scrape().matches("(?s).*\\nhealthscore_calls_limit\\{[^}]*\\} 2\\.0\\n.*"), metrics.scrape());
    assertEquals(ServingStatus.SERVING,
        HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus());

    release.release(2);
    for (CompletableFuture<String> call : held) {
      assertEquals("hold", call.get(10, TimeUnit.SECONDS));
    }
    assertEquals("after", ClientCalls.blockingUnaryCall(channel, HOLD, CallOptions.DEFAULT, "after"));
  }

  @Test
  void aCancelledCallHoldsItsSlotUntilItsHandlerReturns() throws Exception {
    ManagedChannel channel = start(Map.of(ServiceConfig.MAX_CALLS_IN_FLIGHT, "1"));
    ClientCall<String, String> call = channel.newCall(HOLD, CallOptions.DEFAULT);
    ClientCalls.futureUnaryCall(call, "hold-cancelled");
    assertTrue(unaryStarted.tryAcquire(1, 10, TimeUnit.SECONDS));
    call.cancel("client gave up", null);
    StatusRuntimeException busy =
        assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(channel, HOLD, CallOptions.DEFAULT, "next"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, busy.getStatus().getCode(), "its handler still runs, so its slot is taken");
    release.release(1);
    boolean admitted = false;
    for (int attempt = 0; attempt < 50 && !admitted; attempt++) {
      try {
        ClientCalls.blockingUnaryCall(channel, HOLD, CallOptions.DEFAULT, "next");
        admitted = true;
      } catch (StatusRuntimeException e) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        Thread.sleep(20);
      }
    }
    assertTrue(admitted, "a call after the cancelled one should be admitted");
  }

  @Test
  void streamsBeyondThePerConnectionLimitWaitForOneToEnd() throws Exception {
    ManagedChannel channel = start(Map.of(ServiceConfig.MAX_CALLS_PER_CONNECTION, "2"));
    List<ClientCall<String, String>> streams = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      streams.add(openWatch(channel, new CountDownLatch(1)));
    }
    awaitStarted(2);
    CountDownLatch thirdFailed = new CountDownLatch(1);
    streams.add(openWatch(channel, thirdFailed));
    Thread.sleep(300);
    assertEquals(1, thirdFailed.getCount(), "the third stream waits; it is not refused");
    assertEquals(2, streamsStarted.get(), "the third stream must wait for a free slot on the connection");
    openStreams.get(0).onCompleted();
    awaitStarted(3);
    streams.forEach(s -> s.cancel("done", null));
  }

  @Test
  void aClientThatResetsStreamsWithoutEndIsDisconnected() throws Exception {
    ManagedChannel channel = start(Map.of(ServiceConfig.MAX_RESETS_PER_CONNECTION, "20"));
    CountDownLatch victimClosed = new CountDownLatch(1);
    openWatch(channel, victimClosed);
    awaitStarted(1);
    for (int i = 0; i < 200 && victimClosed.getCount() > 0; i++) {
      ClientCall<String, String> call = openWatch(channel, new CountDownLatch(1));
      if (!startedWithin(i + 2)) {
        break;
      }
      call.cancel("reset", null);
    }
    assertTrue(victimClosed.await(10, TimeUnit.SECONDS), "the connection should be closed with GOAWAY");
  }

  @Test
  void aCallWhoseDeadlineHasPassedNeverReachesItsHandler() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Admission admission = new Admission(new AdaptiveLimit(10, 10, Duration.ofMillis(250), System::nanoTime), registry);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    closeAfter.add(timer::shutdownNow);
    RecordingCall call = new RecordingCall();
    AtomicInteger handled = new AtomicInteger();
    Context.CancellableContext expired =
        Context.current().withDeadline(Deadline.after(-1, TimeUnit.MILLISECONDS), timer);
    ServerCallHandler<String, String> handler = (c, h) -> {
      handled.incrementAndGet();
      return new ServerCall.Listener<String>() {};
    };
    expired.run(() -> admission.interceptCall(call, new Metadata(), handler));
    assertEquals(0, handled.get());
    assertEquals(Status.Code.DEADLINE_EXCEEDED, call.closedWith.getCode());
    assertEquals(1.0, registry.get(Admission.REFUSED).tag("reason", "deadline_expired").counter().count());

    admission.interceptCall(new RecordingCall(), new Metadata(), handler);
    assertEquals(1, handled.get(), "a call with time left is handled");
  }

  private ClientCall<String, String> openWatch(ManagedChannel channel, CountDownLatch closed) {
    ClientCall<String, String> call = channel.newCall(WATCH, CallOptions.DEFAULT);
    ClientCalls.asyncServerStreamingCall(call, "watch", new StreamObserver<>() {
      @Override
      public void onNext(String value) {}

      @Override
      public void onError(Throwable t) {
        if (!(t instanceof StatusRuntimeException e && e.getStatus().getCode() == Status.Code.CANCELLED)) {
          closed.countDown();
        }
      }

      @Override
      public void onCompleted() {
        closed.countDown();
      }
    });
    return call;
  }

  private void awaitStarted(int n) throws InterruptedException {
    assertTrue(startedWithin(n), "expected " + n + " streams started, saw " + streamsStarted.get() + "; open " + streamsOpen.get());
  }

  private boolean startedWithin(int n) throws InterruptedException {
    for (int i = 0; i < 1000 && streamsStarted.get() < n; i++) {
      Thread.sleep(5);
    }
    return streamsStarted.get() >= n;
  }

  private ManagedChannel start(Map<String, String> settings) throws Exception {
    Map<String, String> env = new HashMap<>(settings);
    env.put(ServiceConfig.SHUTDOWN_GRACE_SECONDS, "0");
    ServiceConfig config = ServiceConfig.fromMap("test-service", 0, 0, env);
    metrics = new Metrics("test-service");
    ServiceServer server = ServiceServer.builder(config, metrics).addService(holdService()).build().start();
    ManagedChannel channel = Channels.forAddress("localhost:" + server.grpcPort());
    closeAfter.add(channel::shutdownNow);
    closeAfter.add(server::stop);
    closeAfter.add(metrics);
    return channel;
  }

  private ServerServiceDefinition holdService() {
    return ServerServiceDefinition.builder(EchoService.SERVICE)
        .addMethod(HOLD, ServerCalls.asyncUnaryCall((request, response) -> {
          if (request.startsWith("hold")) {
            unaryStarted.release();
            try {
              release.tryAcquire(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          response.onNext(request);
          response.onCompleted();
        }))
        .addMethod(WATCH, ServerCalls.asyncServerStreamingCall((request, response) -> {
          streamsOpen.incrementAndGet();
          openStreams.add(response);
          streamsStarted.incrementAndGet();
          ((io.grpc.stub.ServerCallStreamObserver<String>) response).setOnCancelHandler(streamsOpen::decrementAndGet);
        }))
        .build();
  }

  /** The server side of a call that only records how it was closed. */
  private static final class RecordingCall extends ServerCall<String, String> {
    volatile Status closedWith;

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(String message) {}

    @Override
    public void close(Status status, Metadata trailers) {
      closedWith = status;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public MethodDescriptor<String, String> getMethodDescriptor() {
      return HOLD;
    }
  }
}
