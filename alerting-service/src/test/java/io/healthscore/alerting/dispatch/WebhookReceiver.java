package io.healthscore.alerting.dispatch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A webhook receiver on 127.0.0.1 for tests. It answers {@code failStatus} to the first
 * {@code failFirst} requests, then {@code 200}; it can also name a Retry-After with each failure,
 * hold each answer for a while, and
 * it records every request. It also notes whether two requests with the same idempotency key were
 * ever in flight at once, which a correct dispatcher never causes.
 */
final class WebhookReceiver implements AutoCloseable {
  /** One request as received. */
  record Request(String path, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new ArrayList<>();
  private final AtomicInteger answered = new AtomicInteger();
  private final Map<String, AtomicInteger> inFlightByKey = new ConcurrentHashMap<>();
  private final AtomicInteger concurrentDuplicates = new AtomicInteger();
  private volatile int failFirst;
  private volatile int failStatus = 503;
  private volatile Duration delay = Duration.ZERO;
  private volatile String retryAfter;

  WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.createContext(
        "/redirect",
        exchange -> {
          record(exchange);
          exchange.getResponseHeaders().add("Location", url("/target"));
          exchange.sendResponseHeaders(302, -1);
          exchange.close();
        });
    server.start();
  }

  WebhookReceiver failFirst(int n, int status) {
    this.failFirst = n;
    this.failStatus = status;
    return this;
  }

  /** Sends this Retry-After header with every failure. */
  WebhookReceiver retryAfter(String value) {
    this.retryAfter = value;
    return this;
  }

  WebhookReceiver delay(Duration delay) {
    this.delay = delay;
    return this;
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private void handle(HttpExchange exchange) throws IOException {
    Request request = record(exchange);
    String key = request.header("Idempotency-Key");
    AtomicInteger inFlight = inFlightByKey.computeIfAbsent(key == null ? "" : key, k -> new AtomicInteger());
    if (inFlight.incrementAndGet() > 1) {
      concurrentDuplicates.incrementAndGet();
    }
    try {
      if (!delay.isZero()) {
        Thread.sleep(delay.toMillis());
      }
      int status = answered.getAndIncrement() < failFirst ? failStatus : 200;
      byte[] answer = (status == 200 ? "ok" : "unavailable").getBytes(StandardCharsets.UTF_8);
      if (status != 200 && retryAfter != null) {
        exchange.getResponseHeaders().add("Retry-After", retryAfter);
      }
      exchange.sendResponseHeaders(status, answer.length);
      exchange.getResponseBody().write(answer);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException clientGone) {
      // The dispatcher gave up (timeout); nothing to answer.
    } finally {
      inFlight.decrementAndGet();
      exchange.close();
    }
  }

  private Request record(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> headers =
        exchange.getRequestHeaders().entrySet().stream()
            .collect(Collectors.toMap(e -> e.getKey().toLowerCase(), e -> e.getValue().get(0)));
    Request request = new Request(exchange.getRequestURI().getPath(), headers, body);
    synchronized (requests) {
      requests.add(request);
    }
    return request;
  }

  List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  List<Request> requests(Predicate<Request> filter) {
    return requests().stream().filter(filter).toList();
  }

  int concurrentDuplicates() {
    return concurrentDuplicates.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
