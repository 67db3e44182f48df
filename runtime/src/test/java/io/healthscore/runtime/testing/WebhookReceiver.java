package io.healthscore.runtime.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A webhook receiver on 127.0.0.1 for tests. It answers {@code failStatus} to the first
 * {@code failFirst} requests, then {@code 200}; it can also name a Retry-After with each failure
 * and hold each answer for a while (a receiver that takes a moment keeps a dispatcher busy long
 * enough to be killed in the middle). It records every request and the distinct Idempotency-Keys
 * it answered 200 to, as a receiver that drops duplicates would, and notes whether two requests
 * with the same key were ever in flight at once, which a correct dispatcher never causes.
 */
public final class WebhookReceiver implements AutoCloseable {
  /** One request as received; header names in lower case. */
  public record Request(String path, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new ArrayList<>();
  private final AtomicInteger answered = new AtomicInteger();
  private final Map<String, AtomicInteger> inFlightByKey = new ConcurrentHashMap<>();
  private final AtomicInteger concurrentDuplicates = new AtomicInteger();
  private final Set<String> acceptedKeys = ConcurrentHashMap.newKeySet();
  private volatile int failFirst;
  private volatile int failStatus = 503;
  private volatile Duration delay = Duration.ZERO;
  private volatile String retryAfter;

  public WebhookReceiver() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  public WebhookReceiver failFirst(int n, int status) {
    this.failFirst = n;
    this.failStatus = status;
    return this;
  }

  /** Sends this Retry-After header with every failure. */
  public WebhookReceiver retryAfter(String value) {
    this.retryAfter = value;
    return this;
  }

  /** Holds each answer this long. */
  public WebhookReceiver delay(Duration delay) {
    this.delay = delay;
    return this;
  }

  /** A URL of this receiver; every path but /redirect answers as configured. */
  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public String url() {
    return url("/hook");
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
      if (status == 200 && key != null) {
        acceptedKeys.add(key);
      }
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

  public List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  public List<Request> requests(Predicate<Request> filter) {
    return requests().stream().filter(filter).toList();
  }

  /** The distinct Idempotency-Keys answered 200: what a receiver that drops duplicates keeps. */
  public Set<String> acceptedKeys() {
    return Set.copyOf(acceptedKeys);
  }

  public int concurrentDuplicates() {
    return concurrentDuplicates.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
