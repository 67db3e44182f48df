package io.healthscore.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook endpoint on 127.0.0.1 that verifies each delivery the way a receiver should
 * (docs/delivery.md): HMAC-SHA256 over "timestamp.body" with the shared secret, compared in
 * constant time. It answers 200 to valid deliveries and 401 to forged ones.
 */
public final class WebhookReceiver implements AutoCloseable {
  /** One delivery received. */
  public record Delivery(String idempotencyKey, String body, boolean signatureValid, long receivedNanos) {}

  private final HttpServer server;
  private final String secret;
  private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  private final Consumer<Delivery> onDelivery;

  private WebhookReceiver(HttpServer server, String secret, Consumer<Delivery> onDelivery) {
    this.server = server;
    this.secret = secret;
    this.onDelivery = onDelivery;
  }

  public static WebhookReceiver start(String secret, Consumer<Delivery> onDelivery) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    WebhookReceiver receiver = new WebhookReceiver(server, secret, onDelivery);
    server.createContext("/hooks/healthscore", receiver::handle);
    server.start();
    return receiver;
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/healthscore";
  }

  public List<Delivery> deliveries() {
    return List.copyOf(deliveries);
  }

  private void handle(HttpExchange exchange) throws IOException {
    long received = System.nanoTime();
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String timestamp = exchange.getRequestHeaders().getFirst("X-Healthscore-Timestamp");
    String signature = exchange.getRequestHeaders().getFirst("X-Healthscore-Signature");
    boolean valid = timestamp != null && signature != null && verify(timestamp, body, signature);
    Delivery delivery =
        new Delivery(exchange.getRequestHeaders().getFirst("Idempotency-Key"), body, valid, received);
    deliveries.add(delivery);
    onDelivery.accept(delivery);
    exchange.sendResponseHeaders(valid ? 200 : 401, -1);
    exchange.close();
  }

  private boolean verify(String timestamp, String body, String signature) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String expected =
          "v1=" + HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
      return MessageDigest.isEqual(
          expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
