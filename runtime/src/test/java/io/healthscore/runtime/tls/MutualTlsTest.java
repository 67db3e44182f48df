package io.healthscore.runtime.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.healthscore.runtime.EchoService;
import io.healthscore.runtime.auth.MethodScopes;
import io.healthscore.runtime.auth.Scope;
import io.healthscore.runtime.auth.TokenTable;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.client.ClientSecurity;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceServer;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.TestCertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Netty server with mutual TLS and bearer tokens, certificates from a throw-away CA. */
class MutualTlsTest {
  private static final Duration RELOAD = Duration.ofMillis(200);

  @TempDir Path dir;
  private Metrics metrics;
  private ServiceServer server;
  private TestCertificateAuthority ca;
  private final List<ClientSecurity> securities = new ArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    ca = TestCertificateAuthority.create("healthscore test CA");
    ca.writeCertificate(dir.resolve("ca.pem"));
    ca.issue("test-service").write(dir.resolve("server.crt"), dir.resolve("server.key"));
    ca.issue("a caller").write(dir.resolve("client.crt"), dir.resolve("client.key"));
    Files.writeString(dir.resolve("token"), "caller-token\n");
    ServiceConfig config =
        ServiceConfig.fromMap(
            "test-service",
            0,
            0,
            Map.of(
                ServiceConfig.SHUTDOWN_GRACE_SECONDS, "1",
                ServiceConfig.HEALTH_PORT, "0",
                ServiceConfig.TLS_CERT, dir.resolve("server.crt").toString(),
                ServiceConfig.TLS_KEY, dir.resolve("server.key").toString(),
                ServiceConfig.TLS_CA, dir.resolve("ca.pem").toString(),
                ServiceConfig.TLS_RELOAD_INTERVAL, "200ms"));
    metrics = new Metrics("test-service");
    server =
        ServiceServer.builder(config, metrics)
            .addService(EchoService.definition())
            .tokenTable(TokenTable.parse(List.of("caller-token " + Scope.SIGNALS_WRITE), "test tokens"))
            .methodScopes(MethodScopes.builder().require(EchoService.UNARY, Scope.SIGNALS_WRITE).build())
            .build()
            .start();
  }

  @AfterEach
  void stopServer() {
    server.stop();
    metrics.close();
    securities.forEach(ClientSecurity::close);
  }

  @Test
  void callerWithCertificateAndTokenIsServed() {
    assertEquals("echo:hi", call(client(dir.resolve("ca.pem"), "client", true)));
  }

  @Test
  void callerWithCertificateButNoTokenIsUnauthenticated() {
    assertEquals(Status.Code.UNAUTHENTICATED, refusal(client(dir.resolve("ca.pem"), "client", false)));
  }

  @Test
  void plaintextCallerIsRefused() {
    assertEquals(Status.Code.UNAVAILABLE, refusal(Channels.forAddress(target())));
  }

  @Test
  void callerWithoutCertificateIsRefused() {
    assertEquals(Status.Code.UNAVAILABLE, refusal(client(dir.resolve("ca.pem"), null, true)));
  }

  @Test
  void callerTrustingAnotherCaRefusesTheServer() {
    TestCertificateAuthority other = TestCertificateAuthority.create("another CA");
    other.writeCertificate(dir.resolve("other-ca.pem"));
    assertEquals(Status.Code.UNAVAILABLE, refusal(client(dir.resolve("other-ca.pem"), "client", true)));
  }

  @Test
  void callerWithCertificateOfAnotherCaIsRefused() {
    TestCertificateAuthority other = TestCertificateAuthority.create("another CA");
    other.issue("an impostor").write(dir.resolve("impostor.crt"), dir.resolve("impostor.key"));
    assertEquals(Status.Code.UNAVAILABLE, refusal(client(dir.resolve("ca.pem"), "impostor", true)));
  }

  @Test
  void serverCertificateReplacedOnDiskIsPresentedWithoutRestart() {
    TestCertificateAuthority renewed = TestCertificateAuthority.create("renewed CA");
    renewed.writeCertificate(dir.resolve("renewed-ca.pem"));
    // A caller that trusts only the renewed CA cannot reach the server yet.
    assertEquals(Status.Code.UNAVAILABLE, refusal(client(dir.resolve("renewed-ca.pem"), "client", true)));

    renewed.issue("test-service").write(dir.resolve("server.crt"), dir.resolve("server.key"));
    Await.until(
        "the server to present its new certificate",
        () -> {
          try {
            return call(client(dir.resolve("renewed-ca.pem"), "client", true)).equals("echo:hi");
          } catch (StatusRuntimeException e) {
            return false;
          }
        });
    // Callers of the old CA are refused from now on: the old certificate is gone.
    assertEquals(Status.Code.UNAVAILABLE, refusal(client(dir.resolve("ca.pem"), "client", true)));
  }

  @Test
  void probesReachThePlaintextHealthPortWhileTheServicePortNeedsMutualTls() {
    ManagedChannel probe = Channels.forAddress("localhost:" + server.healthPort().orElseThrow());
    try {
      assertEquals(
          ServingStatus.SERVING,
          HealthGrpc.newBlockingStub(probe)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .check(HealthCheckRequest.newBuilder().setService(EchoService.SERVICE).build())
              .getStatus());
    } finally {
      probe.shutdownNow();
    }
  }

  private String target() {
    return "localhost:" + server.grpcPort();
  }

  /** A fresh channel (a fresh handshake) trusting {@code trust}, presenting {@code certName}.crt when not null. */
  private ManagedChannel client(Path trust, String certName, boolean withToken) {
    Optional<Path> cert = Optional.ofNullable(certName).map(n -> dir.resolve(n + ".crt"));
    Optional<Path> key = Optional.ofNullable(certName).map(n -> dir.resolve(n + ".key"));
    ClientSecurity security =
        ClientSecurity.of(
            Optional.of(trust), cert, key, withToken ? Optional.of(dir.resolve("token")) : Optional.empty(), RELOAD);
    securities.add(security);
    return Channels.forAddress(target(), security);
  }

  private static String call(ManagedChannel channel) {
    try {
      return ClientCalls.blockingUnaryCall(
          channel, EchoService.UNARY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "hi");
    } finally {
      channel.shutdownNow();
    }
  }

  private static Status.Code refusal(ManagedChannel channel) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call(channel));
    assertTrue(e.getStatus().getCode() != Status.Code.OK);
    return e.getStatus().getCode();
  }
}
