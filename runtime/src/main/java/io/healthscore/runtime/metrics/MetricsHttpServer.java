package io.healthscore.runtime.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.healthscore.runtime.auth.BearerTokenFile;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.Optional;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves {@code GET /metrics} in the Prometheus text format on a port of its own, so scrapes never
 * compete with gRPC traffic and need no gRPC client. Everything else is 404. Uses the JDK's HTTP
 * server: one endpoint does not justify a web framework.
 */
public final class MetricsHttpServer implements AutoCloseable {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving on {@code port} of {@code host} (every interface when empty); 0 picks a free
   * port (see {@link #port()}). With a token, a scrape without {@code Authorization: Bearer
   * <token>} gets 401.
   */
  public static MetricsHttpServer start(
      Optional<String> host, int port, Metrics metrics, Optional<BearerTokenFile> token) {
    HttpServer server;
    InetSocketAddress address = host.map(h -> new InetSocketAddress(h, port)).orElseGet(() -> new InetSocketAddress(port));
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("cannot resolve the /metrics bind address " + host.get());
    }
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for /metrics on " + address, e);
    }
    // One thread: scrapes are rare and a scrape must not stampede the registry.
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "metrics-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", exchange -> handle(exchange, metrics, token));
    server.start();
    return new MetricsHttpServer(server, executor);
  }

  private static void handle(HttpExchange exchange, Metrics metrics, Optional<BearerTokenFile> token)
      throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (token.isPresent() && !authorized(exchange, token.get())) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        respond(exchange, 401, "unauthorized: send 'Authorization: Bearer <token>'\n");
      } else if (!path.equals("/metrics")) {
        respond(exchange, 404, "not found; metrics are at /metrics\n");
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "method not allowed\n");
      } else {
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        if (method.equals("HEAD")) {
          exchange.sendResponseHeaders(200, -1);
        } else {
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        }
      }
    }
  }

  private static boolean authorized(HttpExchange exchange, BearerTokenFile token) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    String prefix = "bearer ";
    if (header == null || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
      return false;
    }
    byte[] presented = header.substring(prefix.length()).trim().getBytes(StandardCharsets.UTF_8);
    // Constant time, so response timing does not tell how much of the token was right.
    return MessageDigest.isEqual(presented, token.token().getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** The port actually bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
