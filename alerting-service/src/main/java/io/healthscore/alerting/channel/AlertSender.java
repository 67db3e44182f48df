package io.healthscore.alerting.channel;

import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.Channel;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Sends one alert event through one channel: a signed JSON POST for webhooks, a message for Slack,
 * a line in the log for log channels. Thread-safe; one instance serves every dispatcher thread.
 *
 * <p>Every HTTP send checks the URL with the {@link UrlGuard} first (the host may resolve elsewhere
 * than when the channel was stored), never follows redirects, and gives up after the channel's
 * timeout.
 */
public final class AlertSender {
  /** Logger of the log channel; its lines are the delivered events. */
  public static final String LOG_CHANNEL_LOGGER = "io.healthscore.alerting.delivery";

  private static final Logger LOG_CHANNEL = Logger.getLogger(LOG_CHANNEL_LOGGER);
  private static final int MAX_ERROR_BODY = 200;

  private final HttpClient http;
  private final UrlGuard urlGuard;
  private final Clock clock;

  public AlertSender(UrlGuard urlGuard, Clock clock) {
    this.urlGuard = urlGuard;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            // Plain HTTP/1.1: no h2c upgrade dance with receivers that do not speak HTTP/2.
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  /** Sends the event; {@code channel} must carry its secret (ChannelStore.withSecret). */
  public SendResult send(Channel channel, AlertEvent event) {
    return switch (channel.getType()) {
      case CHANNEL_TYPE_WEBHOOK -> post(channel, event, EventJson.of(event), true);
      case CHANNEL_TYPE_SLACK -> post(channel, event, SlackMessage.of(event), false);
      case CHANNEL_TYPE_LOG -> {
        LOG_CHANNEL.info("alert_event channel=" + channel.getChannelId() + " " + EventJson.of(event));
        yield SendResult.delivered(0);
      }
      // Subscribers read the event log itself; being in the stream is the delivery.
      case CHANNEL_TYPE_GRPC_STREAM -> SendResult.delivered(0);
      default -> SendResult.rejected(0, "channel " + channel.getChannelId() + " has no type");
    };
  }

  private SendResult post(Channel channel, AlertEvent event, String body, boolean signed) {
    Optional<String> refusal = urlGuard.refusal(channel.getUrl());
    if (refusal.isPresent()) {
      return SendResult.rejected(0, "url refused: " + refusal.get());
    }
    Duration timeout = Duration.ofMillis(channel.getTimeoutMs());
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(channel.getUrl()))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", "healthscore-alerting")
            .header(WebhookSignature.IDEMPOTENCY_HEADER, event.getIdempotencyKey())
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (signed) {
      long now = clock.instant().getEpochSecond();
      request.header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(now));
      if (!channel.getSecret().isEmpty()) {
        request.header(
            WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(channel.getSecret(), now, body));
      }
    }
    CompletableFuture<HttpResponse<String>> response =
        http.sendAsync(request.build(), info -> new ResponseExcerpt());
    try {
      // The request timeout covers the wait for the response headers; this bound also covers a
      // connection that never completes and a body that trickles.
      return classify(response.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      response.cancel(true);
      return SendResult.retry(0, "timed out after " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      response.cancel(true);
      Thread.currentThread().interrupt();
      return SendResult.retry(0, "interrupted while sending");
    } catch (ExecutionException e) {
      return failure(e.getCause(), timeout);
    }
  }

  private static SendResult classify(HttpResponse<String> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return SendResult.delivered(status);
    }
    if (status >= 300 && status < 400) {
      String location = response.headers().firstValue("Location").orElse("(none)");
      return SendResult.rejected(status, "HTTP " + status + ": redirect to " + location + " not followed");
    }
    String error = "HTTP " + status + (response.body().isEmpty() ? "" : ": " + response.body());
    if (status == 429 || status == 503) {
      return SendResult.retry(status, error, retryAfterSeconds(response));
    }
    if (status == 408 || status >= 500) {
      return SendResult.retry(status, error);
    }
    return SendResult.rejected(status, error);
  }

  /**
   * The {@code Retry-After} header in its seconds form; the HTTP-date form and anything else that is
   * not a non-negative whole number is ignored (the backoff alone then decides).
   */
  static Optional<Duration> retryAfterSeconds(HttpResponse<?> response) {
    Optional<String> value = response.headers().firstValue("Retry-After").map(String::trim);
    if (value.isEmpty() || !value.get().matches("[0-9]{1,9}")) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofSeconds(Long.parseLong(value.get())));
  }

  private static SendResult failure(Throwable cause, Duration timeout) {
    if (cause instanceof HttpTimeoutException) {
      return SendResult.retry(0, "timed out after " + timeout.toMillis() + " ms");
    }
    if (cause instanceof ConnectException) {
      return SendResult.retry(0, "connection failed: " + cause.getMessage());
    }
    return SendResult.retry(0, cause.getClass().getSimpleName() + ": " + cause.getMessage());
  }

  /**
   * Keeps the start of the receiver's answer, which often says what is wrong (Slack answers
   * "invalid_payload"), and drops the rest, so a large answer costs no memory.
   */
  private static final class ResponseExcerpt implements HttpResponse.BodySubscriber<String> {
    private final CompletableFuture<String> result = new CompletableFuture<>();
    private final ByteArrayOutputStream head = new ByteArrayOutputStream();

    @Override
    public CompletionStage<String> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer buffer : buffers) {
        int n = Math.min(buffer.remaining(), MAX_ERROR_BODY - head.size());
        if (n > 0) {
          byte[] bytes = new byte[n];
          buffer.get(bytes);
          head.write(bytes, 0, n);
        }
      }
    }

    @Override
    public void onError(Throwable failure) {
      result.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
      result.complete(head.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim());
    }
  }
}
