package io.healthscore.runtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.healthscore.runtime.EchoService;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.config.WatchedFiles;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceServer;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.InProcessGrpc;
import io.healthscore.runtime.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HEALTHSCORE_AUTH_TOKENS is read again when it changes: a token is rotated without a restart. */
class TokenRotationTest {
  @TempDir Path dir;

  @Test
  void aRotatedTableRefusesTheOldTokenAndAcceptsTheNewOne() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "old-token signals:write\n");
    ServiceConfig config =
        ServiceConfig.fromMap(
            "test-service",
            0,
            0,
            Map.of(
                ServiceConfig.AUTH_TOKENS, tokens.toString(),
                ServiceConfig.TLS_RELOAD_INTERVAL, "100ms",
                ServiceConfig.SHUTDOWN_GRACE_SECONDS, "1"));
    Metrics metrics = new Metrics("test-service");
    try (InProcessGrpc grpc =
        InProcessGrpc.start(
            ServiceServer.builder(config, metrics)
                .addService(EchoService.definition())
                .methodScopes(MethodScopes.builder().require(EchoService.UNARY, Scope.SIGNALS_WRITE).build()),
            metrics)) {
      assertEquals("echo:hi", call(grpc.channel(), "old-token"));
      assertEquals(Status.Code.UNAUTHENTICATED, refusal(grpc.channel(), "new-token"));

      // A table that does not parse keeps the one in force.
      try (LogCapture log = LogCapture.of(WatchedFiles.class, Level.WARN)) {
        Files.writeString(tokens, "old-token signals:write\nnew-token signals:wirte\n");
        Await.until("the broken table noticed", () -> log.text().contains("cannot reload the token table"));
      }
      assertEquals("echo:hi", call(grpc.channel(), "old-token"));

      Files.writeString(tokens, "new-token signals:write\n");
      // Awaiting the old token's refusal alone could end on a reload of the half-written file.
      Await.until("the new token accepted", () -> refusal(grpc.channel(), "new-token") == Status.Code.OK);
      assertEquals(Status.Code.UNAUTHENTICATED, refusal(grpc.channel(), "old-token"));
    }
  }

  private static String call(Channel channel, String token) {
    Metadata headers = new Metadata();
    headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
    return ClientCalls.blockingUnaryCall(
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
        EchoService.UNARY, CallOptions.DEFAULT, "hi");
  }

  private static Status.Code refusal(Channel channel, String token) {
    try {
      call(channel, token);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }
}
