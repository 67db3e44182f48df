package io.healthscore.runtime.server;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * grpc.health.v1 alone on a plaintext port (HEALTHSCORE_HEALTH_PORT), for Kubernetes' native gRPC
 * probes: they cannot speak TLS, so with TLS on the main port they need a port of their own. It
 * reports the same statuses as the main port and serves nothing else.
 */
final class HealthPort implements AutoCloseable {
  private final Server server;

  private HealthPort(Server server) {
    this.server = server;
  }

  static HealthPort start(int port, HealthStatusManager health) {
    Server server = NettyServerBuilder.forPort(port).addService(health.getHealthService()).build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for health checks on port " + port, e);
    }
    return new HealthPort(server);
  }

  int port() {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
