package io.healthscore.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.healthscore.runtime.EchoService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Refusals under a full limit do not wait for a handler thread; admitted calls run on the handler pool. */
class CallThreadsTest {
  private final AdaptiveLimit limit = new AdaptiveLimit(1, 1, Duration.ofMillis(250), System::nanoTime);
  /** A handler pool with no thread free: it takes tasks and runs them only when the test says. */
  private final ConcurrentLinkedQueue<Runnable> handlerTasks = new ConcurrentLinkedQueue<>();
  private final Executor busyHandlers = handlerTasks::add;
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void aCallPastTheLimitIsRefusedWithoutWaitingForAHandlerThread() throws Exception {
    start();
    Optional<AdaptiveLimit.Permit> held = limit.tryAcquire();
    assertTrue(held.isPresent());

    StatusRuntimeException refused =
        assertThrows(
            StatusRuntimeException.class,
            () -> ClientCalls.blockingUnaryCall(
                channel, EchoService.UNARY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "hi"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.getStatus().toString());
    assertTrue(handlerTasks.isEmpty(), "the refusal took no handler thread");
    assertFalse(CallThreads.refusingHere(), "the mark does not outlive the refused call");
  }

  @Test
  void anAdmittedCallRunsOnTheHandlerPool() throws Exception {
    start();
    CompletableFuture<String> answer =
        CompletableFuture.supplyAsync(() -> ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, CallOptions.DEFAULT, "hi"));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (handlerTasks.isEmpty() && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    assertFalse(answer.isDone(), "nothing answers before the handler pool runs the call");
    Runnable task;
    while (!answer.isDone() && System.nanoTime() < until) {
      while ((task = handlerTasks.poll()) != null) {
        task.run();
      }
      Thread.sleep(5);
    }
    assertEquals("echo:hi", answer.get(1, TimeUnit.SECONDS));
  }

  private void start() throws Exception {
    String name = "call-threads-" + System.nanoTime();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .callExecutor(new CallThreads(limit, busyHandlers))
            .addService(ServerInterceptors.intercept(EchoService.definition(), new Admission(limit, new SimpleMeterRegistry())))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }
}
