package io.healthscore.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.EchoService;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.server.ServiceServer;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HEALTHSCORE_METRICS_ADDR and HEALTHSCORE_METRICS_TOKEN_FILE on a real server. */
class MetricsAccessTest {
  @TempDir Path dir;

  @Test
  void scrapeNeedsTheTokenAndTheEndpointBindsTheConfiguredAddress() throws Exception {
    Files.writeString(dir.resolve("metrics-token"), "scrape-token\n");
    ServiceConfig config =
        ServiceConfig.fromMap(
            "test-service",
            0,
            0,
            Map.of(
                ServiceConfig.SHUTDOWN_GRACE_SECONDS, "1",
                ServiceConfig.METRICS_ADDR, "127.0.0.1",
                ServiceConfig.METRICS_TOKEN_FILE, dir.resolve("metrics-token").toString()));
    try (Metrics metrics = new Metrics("test-service");
        ServiceServer server =
            ServiceServer.builder(config, metrics).addService(EchoService.definition()).build().start()) {
      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics");

      HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(401, anonymous.statusCode());
      assertEquals("Bearer", anonymous.headers().firstValue("WWW-Authenticate").orElse(""));

      HttpResponse<String> wrong =
          http.send(
              HttpRequest.newBuilder(uri).header("Authorization", "Bearer guessed").build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, wrong.statusCode());

      HttpResponse<String> scrape =
          http.send(
              HttpRequest.newBuilder(uri).header("Authorization", "Bearer scrape-token").build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, scrape.statusCode());
      assertTrue(scrape.body().contains("jvm_memory_used_bytes{"), scrape.body());

      // Bound to 127.0.0.1 alone: every other address of this machine refuses the connection. On
      // Linux all of 127.0.0.0/8 is loopback, so 127.0.0.2 reaches this host yet not the socket.
      List<InetAddress> others = new ArrayList<>(List.of(InetAddress.getByName("127.0.0.2")));
      others.addAll(nonLoopbackAddresses());
      for (InetAddress other : others) {
        assertThrows(
            ConnectException.class,
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(other, server.metricsPort()), 2_000);
              }
            },
            "the metrics port answered on " + other.getHostAddress());
      }
    }
  }

  /** This machine's IPv4 addresses that are not loopback (none on a machine without a network). */
  private static List<InetAddress> nonLoopbackAddresses() throws SocketException {
    List<InetAddress> found = new ArrayList<>();
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nic.isUp()) {
        nic.inetAddresses().filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).forEach(found::add);
      }
    }
    return found;
  }
}
