package io.healthscore.runtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.healthscore.runtime.EchoService;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceServer;
import io.healthscore.runtime.testing.InProcessGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthTest {
  private InProcessGrpc grpc;

  @BeforeEach
  void start() {
    TokenTable tokens =
        TokenTable.parse(
            List.of(
                "# who may do what",
                "",
                "reader-token signals:read   # read only",
                "writer-token signals:read,signals:write",
                "root-token admin"),
            "test");
    Metrics metrics = new Metrics("test");
    grpc =
        InProcessGrpc.start(
            ServiceServer.builder(InProcessGrpc.testConfig("test"), metrics)
                .addService(EchoService.definition())
                .methodScopes(MethodScopes.builder().require(EchoService.UNARY, Scope.SIGNALS_WRITE).build())
                .tokenTable(tokens),
            metrics);
  }

  @AfterEach
  void stop() {
    grpc.close();
  }

  private String call(Optional<String> authorization) {
    Channel channel = grpc.channel();
    if (authorization.isPresent()) {
      Metadata headers = new Metadata();
      headers.put(AuthInterceptor.AUTHORIZATION, authorization.get());
      channel = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, CallOptions.DEFAULT, "hi");
  }

  private Status.Code failure(Optional<String> authorization) {
    return assertThrows(StatusRuntimeException.class, () -> call(authorization)).getStatus().getCode();
  }

  @Test
  void missingOrUnknownTokenIsUnauthenticated() {
    assertEquals(Status.Code.UNAUTHENTICATED, failure(Optional.empty()));
    assertEquals(Status.Code.UNAUTHENTICATED, failure(Optional.of("Bearer nobody")));
    assertEquals(Status.Code.UNAUTHENTICATED, failure(Optional.of("Basic writer-token")));
  }

  @Test
  void wrongScopeIsPermissionDeniedNamingTheScope() {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> call(Optional.of("Bearer reader-token")));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("signals:write"), e.getStatus().getDescription());
  }

  @Test
  void rightScopeOrAdminPasses() {
    assertEquals("echo:hi", call(Optional.of("Bearer writer-token")));
    assertEquals("echo:hi", call(Optional.of("bearer root-token")));
  }

  @Test
  void unlistedMethodsRequireAdmin() {
    MethodScopes scopes = MethodScopes.builder().require(EchoService.UNARY, Scope.SIGNALS_WRITE).build();
    assertEquals(Optional.of(Scope.ADMIN), scopes.requiredScope(EchoService.COLLECT.getFullMethodName()));
    assertEquals(Optional.empty(), scopes.requiredScope("grpc.health.v1.Health/Check"));
    assertEquals(Optional.empty(), scopes.requiredScope("grpc.reflection.v1.ServerReflection/ServerReflectionInfo"));
  }

  @Test
  void healthNeedsNoToken() {
    HealthCheckResponse response =
        HealthGrpc.newBlockingStub(grpc.channel()).check(HealthCheckRequest.getDefaultInstance());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, response.getStatus());
  }

  @Test
  void tokenFileErrorsNameTheLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, "ok-token scores:read\n\nbad-token scores:raed\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenTable.load(file));
    assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("scores:raed"), e.getMessage());

    Files.writeString(file, "lonely-token\n");
    e = assertThrows(IllegalArgumentException.class, () -> TokenTable.load(file));
    assertTrue(e.getMessage().contains("line 1"), e.getMessage());

    Files.writeString(file, "t1 admin\nt1 scores:read\n");
    e = assertThrows(IllegalArgumentException.class, () -> TokenTable.load(file));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());

    Files.writeString(file, "t1 alerts:read,alerts:write\n");
    TokenTable table = TokenTable.load(file);
    assertEquals(Optional.of(Set.of("alerts:read", "alerts:write")), table.scopesFor("t1"));
    assertEquals(Optional.empty(), table.scopesFor("t2"));
  }
}
