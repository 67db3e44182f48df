package io.healthscore.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.EchoService;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.client.Deadlines;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.metrics.Metrics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs a real Netty server on free ports, as main() would. */
class GracefulStopTest {

  @Test
  void stopTurnsHealthNotServingThenRunsHooksInOrder() throws Exception {
    ServiceConfig config = config();
    List<String> events = new CopyOnWriteArrayList<>();
    try (Metrics metrics = new Metrics("test-service")) {
      ServiceServer server =
          ServiceServer.builder(config, metrics)
              .addService(EchoService.definition())
              .onDrain(() -> events.add("drain"))
              .onStop(() -> events.add("stop-1"))
              .onStop(() -> events.add("stop-2"))
              .build()
              .start();
      assertTrue(server.grpcPort() > 0);
      ManagedChannel channel = Channels.forAddress("localhost:" + server.grpcPort());
      try {
        HealthCheckResponse check =
            Deadlines.withDefault(HealthGrpc.newBlockingStub(channel))
                .check(HealthCheckRequest.newBuilder().setService(EchoService.SERVICE).build());
        assertEquals(ServingStatus.SERVING, check.getStatus());

        BlockingQueue<ServingStatus> seen = new LinkedBlockingQueue<>();
        HealthGrpc.newStub(channel)
            .watch(
                HealthCheckRequest.getDefaultInstance(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(HealthCheckResponse value) {
                    seen.add(value.getStatus());
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
        assertEquals(ServingStatus.SERVING, seen.poll(5, TimeUnit.SECONDS));

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::stop);
        assertEquals(ServingStatus.NOT_SERVING, seen.poll(5, TimeUnit.SECONDS));
        stopping.get(10, TimeUnit.SECONDS);
        server.awaitTermination();
        assertEquals(List.of("drain", "stop-1", "stop-2"), events);
        server.stop(); // idempotent
        assertEquals(3, events.size());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void markNotServingTurnsEveryServiceNotServingForGood() throws Exception {
    try (Metrics metrics = new Metrics("test-service");
        ServiceServer server = startEcho(metrics)) {
      ManagedChannel channel = Channels.forAddress("localhost:" + server.grpcPort());
      try {
        HealthGrpc.HealthBlockingStub health = Deadlines.withDefault(HealthGrpc.newBlockingStub(channel));
        HealthCheckRequest echo = HealthCheckRequest.newBuilder().setService(EchoService.SERVICE).build();
        assertEquals(ServingStatus.SERVING, health.check(echo).getStatus());
        server.markNotServing("a component stopped (test)");
        assertEquals(ServingStatus.NOT_SERVING, health.check(echo).getStatus());
        assertEquals(ServingStatus.NOT_SERVING, health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void reflectionListsTheServices() throws Exception {
    try (Metrics metrics = new Metrics("test-service");
        ServiceServer server = startEcho(metrics)) {
      ManagedChannel channel = Channels.forAddress("localhost:" + server.grpcPort());
      try {
        CompletableFuture<ServerReflectionResponse> response = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests =
            ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(ServerReflectionResponse value) {
                        response.complete(value);
                      }

                      @Override
                      public void onError(Throwable t) {
                        response.completeExceptionally(t);
                      }

                      @Override
                      public void onCompleted() {}
                    });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        ServerReflectionResponse listed = response.get(5, TimeUnit.SECONDS);
        assertNotNull(listed.getListServicesResponse());
        assertTrue(
            listed.getListServicesResponse().getServiceList().stream()
                .anyMatch(s -> s.getName().equals("grpc.health.v1.Health")),
            listed.toString());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static ServiceServer startEcho(Metrics metrics) {
    return ServiceServer.builder(config(), metrics).addService(EchoService.definition()).build().start();
  }

  @Test
  void healthPortAnswersProbesAndFollowsTheServingStatus() throws Exception {
    ServiceConfig config =
        ServiceConfig.fromMap(
            "test-service",
            0,
            0,
            Map.of(ServiceConfig.SHUTDOWN_GRACE_SECONDS, "1", ServiceConfig.HEALTH_PORT, "0"));
    try (Metrics metrics = new Metrics("test-service")) {
      ServiceServer server =
          ServiceServer.builder(config, metrics).addService(EchoService.definition()).build().start();
      int healthPort = server.healthPort().orElseThrow();
      assertTrue(healthPort > 0 && healthPort != server.grpcPort());
      ManagedChannel channel = Channels.forAddress("localhost:" + healthPort);
      try {
        HealthGrpc.HealthBlockingStub health = Deadlines.withDefault(HealthGrpc.newBlockingStub(channel));
        assertEquals(
            ServingStatus.SERVING,
            health.check(HealthCheckRequest.newBuilder().setService(EchoService.SERVICE).build()).getStatus());
        // The probe port serves health only: the service itself stays on the gRPC port.
        StatusRuntimeException unimplemented =
            assertThrows(
                StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(
                    channel, EchoService.UNARY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "hi"));
        assertEquals(Status.Code.UNIMPLEMENTED, unimplemented.getStatus().getCode());

        server.stop();
        StatusRuntimeException closed =
            assertThrows(
                StatusRuntimeException.class,
                () -> health.check(HealthCheckRequest.newBuilder().setService(EchoService.SERVICE).build()));
        // Refused by the closed port, or cancelled when the call raced the port's shutdownNow.
        assertTrue(
            Set.of(Status.Code.UNAVAILABLE, Status.Code.CANCELLED).contains(closed.getStatus().getCode()),
            closed.getStatus().toString());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** Free ports and a short grace. */
  private static ServiceConfig config() {
    return ServiceConfig.fromMap("test-service", 0, 0, Map.of(ServiceConfig.SHUTDOWN_GRACE_SECONDS, "1"));
  }
}
