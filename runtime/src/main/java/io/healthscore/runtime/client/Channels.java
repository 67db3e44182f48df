package io.healthscore.runtime.client;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.healthscore.runtime.config.ServiceConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Channels from one service to another, configured the same way everywhere: the service's
 * outbound security ({@link ClientSecurity}: TLS, client certificate, bearer token), keepalive so dead peers are noticed, retries of UNAVAILABLE so a
 * rolling restart of the callee is invisible, a default deadline on unary calls, and round_robin
 * over every address the target resolves to (a dns:/// target of a headless Service gives one per
 * replica; a plain host:port of one address behaves as before). On request, {@link ClientThrottle}
 * too, so a caller whose server refuses most calls as overloaded cuts its offered load itself.
 */
public final class Channels {
  /**
   * round_robin over the resolved addresses, and retries of UNAVAILABLE only: it means the call did not reach a handler, so a retry cannot apply a
   * write twice. Up to 4 attempts with exponential backoff (0.1 s, 0.2 s, 0.4 s, ...; max 2 s).
   */
  static final Map<String, ?> DEFAULT_SERVICE_CONFIG =
      Map.of(
          "loadBalancingConfig",
          List.of(Map.of("round_robin", Map.of())),
          "methodConfig",
          List.of(
              Map.of(
                  "name", List.of(Map.of()),
                  "retryPolicy",
                      Map.of(
                          "maxAttempts", 4.0,
                          "initialBackoff", "0.1s",
                          "maxBackoff", "2s",
                          "backoffMultiplier", 2.0,
                          "retryableStatusCodes", List.of("UNAVAILABLE")))));

  private Channels() {}

  /** A plaintext channel without a token to {@code host:port} (any gRPC target, e.g. dns:///svc:7001). */
  public static ManagedChannel forAddress(String hostPort) {
    return forAddress(hostPort, ClientSecurity.plaintext());
  }

  /** A channel to {@code target} presenting and checking what {@code security} says. */
  public static ManagedChannel forAddress(String target, ClientSecurity security) {
    return builder(target, security).intercept(Deadlines.unaryDefaultInterceptor()).build();
  }

  /**
   * As {@link #forAddress(String, ClientSecurity)}, refusing calls in the client while the server
   * refuses most of them as overloaded ({@link ClientThrottle}).
   */
  public static ManagedChannel forAddress(String target, ClientSecurity security, ClientThrottle throttle) {
    return builder(target, security).intercept(Deadlines.unaryDefaultInterceptor(), throttle).build();
  }

  private static ManagedChannelBuilder<?> builder(String target, ClientSecurity security) {
    return Grpc.newChannelBuilder(target, security.credentials())
        .defaultServiceConfig(DEFAULT_SERVICE_CONFIG)
        .enableRetry()
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .maxInboundMessageSize(ServiceConfig.DEFAULT_MAX_MESSAGE_BYTES);
  }
}
