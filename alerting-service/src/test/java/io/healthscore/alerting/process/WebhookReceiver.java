package io.healthscore.alerting.process;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A webhook endpoint on 127.0.0.1 that remembers each Idempotency-Key it received, as a receiver that drops duplicates would. */
final class WebhookReceiver implements AutoCloseable {
  private final HttpServer server;
  private final Set<String> keys = ConcurrentHashMap.newKeySet();
  private final AtomicInteger requests = new AtomicInteger();

  WebhookReceiver() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/hook", exchange -> {
      exchange.getRequestBody().readAllBytes();
      String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
      requests.incrementAndGet();
      try {
        // A receiver that takes a moment per request keeps dispatch busy long enough to be killed in the middle.
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (key != null) {
        keys.add(key);
      }
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  Set<String> keys() {
    return Set.copyOf(keys);
  }

  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
