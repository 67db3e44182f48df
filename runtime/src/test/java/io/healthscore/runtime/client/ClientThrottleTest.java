package io.healthscore.runtime.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.healthscore.runtime.EchoService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client refuses nothing while the server accepts, refuses the share the accept-ratio formula
 * gives once the server refuses, and stops refusing when the server accepts again and the window
 * has moved on. Time is a fake clock; the random draws are the test's.
 */
class ClientThrottleTest {
  private static final double K = 2.0;

  private final AtomicBoolean serverRefuses = new AtomicBoolean();
  private final AtomicInteger reachedServer = new AtomicInteger();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AtomicLong draw = new AtomicLong();
  private Server server;
  private ManagedChannel transport;
  private Channel channel;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    ServerInterceptor overload =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            reachedServer.incrementAndGet();
            if (serverRefuses.get()) {
              call.close(Status.RESOURCE_EXHAUSTED.withDescription("overloaded"), new Metadata());
              return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
          }
        };
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(EchoService.definition(), overload))
            .build()
            .start();
    transport = InProcessChannelBuilder.forName(name).directExecutor().build();
    // Draws cycle over 0.005, 0.015, ..., 0.995, so a share p is refused about p of the time.
    ClientThrottle throttle =
        ClientThrottle.create(K, Duration.ofSeconds(30), nanos::get, () -> (draw.getAndIncrement() % 100 + 0.5) / 100);
    channel = ClientInterceptors.intercept(transport, throttle);
  }

  @AfterEach
  void stop() {
    transport.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void refusesNothingWhileTheServerAccepts() {
    for (int i = 0; i < 500; i++) {
      assertEquals(Status.Code.OK, call());
      nanos.addAndGet(100_000_000L);
    }
    assertEquals(500, reachedServer.get());
  }

  @Test
  void refusesTheShareTheAcceptRatioGivesAndRecoversAfterTheWindow() {
    long requests = 0;
    long accepts = 0;
    for (int i = 0; i < 100; i++) {
      assertEquals(Status.Code.OK, call());
      requests++;
      accepts++;
    }
    serverRefuses.set(true);
    int refusedLocally = 0;
    for (int i = 0; i < 400; i++) {
      double expectedShare = Math.max(0, (requests - K * accepts) / (requests + 1));
      double nextDraw = (draw.get() % 100 + 0.5) / 100;
      int before = reachedServer.get();
      StatusRuntimeException failure = failingCall();
      requests++;
      boolean local = reachedServer.get() == before;
      assertEquals(nextDraw < expectedShare, local, "call " + i + " at share " + expectedShare);
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, failure.getStatus().getCode());
      if (local) {
        refusedLocally++;
        assertTrue(failure.getStatus().getDescription().startsWith("refused in the client"), failure.getMessage());
      }
    }
    // The share climbs from 0 (at 200 requests) to (500 - 200) / 501, about 0.6, over these 400 calls.
    assertTrue(refusedLocally > 80, refusedLocally + " refused in the client");

    serverRefuses.set(false);
    nanos.addAndGet(Duration.ofSeconds(31).toNanos());
    draw.set(0); // the lowest draw: any share above 0.005 would refuse
    for (int i = 0; i < 50; i++) {
      int before = reachedServer.get();
      assertEquals(Status.Code.OK, call());
      assertEquals(before + 1, reachedServer.get());
    }
  }

  @Test
  void answersOlderThanTheWindowNoLongerCount() {
    serverRefuses.set(true);
    for (int i = 0; i < 200; i++) {
      failingCall();
    }
    int reachedWhileRefusing = reachedServer.get();
    assertTrue(reachedWhileRefusing < 100, reachedWhileRefusing + " of 200 reached the server");
    serverRefuses.set(false);
    // 29 s later the refusals still count: the throttle still refuses some calls.
    nanos.addAndGet(Duration.ofSeconds(29).toNanos());
    int before = reachedServer.get();
    for (int i = 0; i < 100; i++) {
      try {
        call();
      } catch (StatusRuntimeException refused) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
      }
    }
    assertTrue(reachedServer.get() - before < 100, "some calls refused within the window");
  }

  private Status.Code call() {
    ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "x");
    return Status.Code.OK;
  }

  private StatusRuntimeException failingCall() {
    try {
      call();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("call succeeded while the server refuses");
  }
}
