package io.healthscore.alerting.channel;

import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.Channel;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one alert event through one channel: a signed JSON POST for webhooks, a message for Slack,
 * a line in the log for log channels. Thread-safe; one instance serves every dispatcher thread.
 *
 * <p>Every HTTP send checks the URL with the {@link UrlGuard} first (the host may resolve elsewhere
 * than when the channel was stored) and connects to the addresses it checked ({@link PinnedHttp}),
 * never follows redirects, and gives up after the channel's timeout.
 */
public final class AlertSender {
  /** Logger of the log channel; its lines are the delivered events. */
  public static final String LOG_CHANNEL_LOGGER = "io.healthscore.alerting.delivery";

  private static final Logger LOG_CHANNEL = LoggerFactory.getLogger(LOG_CHANNEL_LOGGER);
  private static final int MAX_ERROR_BODY = 200;

  private final PinnedHttp http;
  private final UrlGuard urlGuard;
  private final Clock clock;

  public AlertSender(UrlGuard urlGuard, Clock clock) {
    this.urlGuard = urlGuard;
    this.clock = clock;
    this.http = new PinnedHttp(MAX_ERROR_BODY, (SSLSocketFactory) SSLSocketFactory.getDefault());
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
    UrlGuard.Checked checked = urlGuard.check(channel.getUrl());
    if (checked.refusal().isPresent()) {
      return SendResult.rejected(0, "url refused: " + checked.refusal().get());
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", "healthscore-alerting");
    headers.put(WebhookSignature.IDEMPOTENCY_HEADER, event.getIdempotencyKey());
    if (signed) {
      long now = clock.instant().getEpochSecond();
      headers.put(WebhookSignature.TIMESTAMP_HEADER, Long.toString(now));
      if (!channel.getSecret().isEmpty()) {
        headers.put(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(channel.getSecret(), now, body));
      }
    }
    long timeoutMs = channel.getTimeoutMs();
    try {
      return classify(
          http.post(checked.target().orElseThrow(), headers, body.getBytes(StandardCharsets.UTF_8), timeoutMs));
    } catch (PinnedHttp.TimedOut e) {
      return SendResult.retry(0, "timed out after " + timeoutMs + " ms");
    } catch (ConnectException e) {
      return SendResult.retry(0, "connection failed: " + e.getMessage());
    } catch (IOException e) {
      return SendResult.retry(0, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static SendResult classify(PinnedHttp.Response response) {
    int status = response.status();
    if (status >= 200 && status < 300) {
      return SendResult.delivered(status);
    }
    if (status >= 300 && status < 400) {
      String location = response.header("Location").orElse("(none)");
      return SendResult.rejected(status, "HTTP " + status + ": redirect to " + location + " not followed");
    }
    String said = response.bodyExcerpt();
    String error = "HTTP " + status;
    if (status == 429 || status == 503) {
      return SendResult.retry(status, error, said, retryAfterSeconds(response.header("Retry-After")));
    }
    if (status == 408 || status >= 500) {
      return SendResult.retry(status, error, said, Optional.empty());
    }
    return SendResult.rejected(status, error, said);
  }

  /**
   * The {@code Retry-After} header in its seconds form; the HTTP-date form and anything else that is
   * not a non-negative whole number is ignored (the backoff alone then decides).
   */
  private static Optional<Duration> retryAfterSeconds(Optional<String> header) {
    Optional<String> value = header.map(String::trim);
    if (value.isEmpty() || !value.get().matches("[0-9]{1,9}")) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofSeconds(Long.parseLong(value.get())));
  }
}
