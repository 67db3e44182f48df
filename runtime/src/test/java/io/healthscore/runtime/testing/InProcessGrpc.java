package io.healthscore.runtime.testing;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceServer;
import java.util.Map;
import java.util.UUID;

/**
 * A service served in-process through exactly the wiring of production ({@link ServiceServer}:
 * interceptors, health, reflection, /metrics on a free port), with a channel to it.
 *
 * <pre>{@code
 * try (InProcessGrpc grpc = InProcessGrpc.start(new SignalServiceImpl(db))) {
 *   var stub = SignalServiceGrpc.newBlockingStub(grpc.channel());
 * }
 * }</pre>
 */
public final class InProcessGrpc implements AutoCloseable {
  private final ServiceServer server;
  private final ManagedChannel channel;
  private final Metrics metrics;

  private InProcessGrpc(ServiceServer server, ManagedChannel channel, Metrics metrics) {
    this.server = server;
    this.channel = channel;
    this.metrics = metrics;
  }

  /** A config for tests: free metrics port, 1 s shutdown grace. */
  public static ServiceConfig testConfig(String serviceName) {
    return ServiceConfig.fromMap(
        serviceName, 0, 0, Map.of(ServiceConfig.SHUTDOWN_GRACE_SECONDS, "1"));
  }

  /** Serves {@code services} with auth off. */
  public static InProcessGrpc start(BindableService... services) {
    Metrics metrics = new Metrics("test");
    ServiceServer.Builder builder = ServiceServer.builder(testConfig("test"), metrics);
    for (BindableService service : services) {
      builder.addService(service);
    }
    return start(builder, metrics);
  }

  /**
   * Serves what {@code builder} describes (scopes, token table, hooks). {@code metrics} must be the
   * one the builder was created with; it is closed with this.
   */
  public static InProcessGrpc start(ServiceServer.Builder builder, Metrics metrics) {
    String name = "in-process-" + UUID.randomUUID();
    ServiceServer server = builder.buildInProcess(name).start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return new InProcessGrpc(server, channel, metrics);
  }

  public ManagedChannel channel() {
    return channel;
  }

  public ServiceServer server() {
    return server;
  }

  public Metrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.stop();
    metrics.close();
  }
}
