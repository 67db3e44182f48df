package io.healthscore.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.healthscore.runtime.EchoService;
import io.healthscore.runtime.server.ServiceServer;
import io.healthscore.runtime.testing.InProcessGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

  @Test
  void servesGrpcHistogramAndJvmMetrics() throws Exception {
    Metrics metrics = new Metrics("signals-service");
    try (InProcessGrpc grpc =
        InProcessGrpc.start(
            ServiceServer.builder(InProcessGrpc.testConfig("signals-service"), metrics)
                .addService(EchoService.definition()),
            metrics)) {
      ClientCalls.blockingUnaryCall(grpc.channel(), EchoService.UNARY, CallOptions.DEFAULT, "hi");
      assertThrows(
          StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(grpc.channel(), EchoService.UNARY, CallOptions.DEFAULT, "missing"));

      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + grpc.server().metricsPort();
      HttpResponse<String> response =
          http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode());
      assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
      String body = response.body();
      assertTrue(
          body.lines()
              .anyMatch(
                  l -> l.startsWith("grpc_server_requests_seconds_bucket{")
                      && l.contains("code=\"OK\"")
                      && l.contains("method=\"Unary\"")
                      && l.contains("grpc_service=\"test.Echo\"")
                      && l.contains("service=\"signals-service\"")
                      && l.contains("le=\"0.0025\"")),
          body);
      assertTrue(body.contains("code=\"NOT_FOUND\""), body);
      assertTrue(body.contains("grpc_server_messages_received_total{"), body);
      assertTrue(body.contains("jvm_memory_used_bytes{"), body);
      assertTrue(body.contains("process_uptime_seconds{"), body);

      HttpResponse<String> other =
          http.send(HttpRequest.newBuilder(URI.create(base + "/other")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(404, other.statusCode());
    }
  }
}
