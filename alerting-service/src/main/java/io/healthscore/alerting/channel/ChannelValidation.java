package io.healthscore.alerting.channel;

import io.healthscore.runtime.error.Violations;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import java.util.regex.Pattern;

/** The rules a channel must meet before it is stored; fills in the documented defaults. */
final class ChannelValidation {
  /** Enough, with the default backoff, to outlast a receiver outage of an hour (docs/delivery.md). */
  static final int DEFAULT_MAX_ATTEMPTS = 30;
  static final int DEFAULT_TIMEOUT_MS = 5000;
  private static final Pattern ID = Pattern.compile("[a-z0-9_-]{1,64}");
  private static final int MAX_NAME_LENGTH = 200;
  private static final int MAX_URL_LENGTH = 2048;
  private static final int MAX_SECRET_LENGTH = 1024;

  private final UrlGuard urlGuard;

  ChannelValidation(UrlGuard urlGuard) {
    this.urlGuard = urlGuard;
  }

  /**
   * The channel with defaults filled in, or an InvalidArgumentException naming every bad field
   * under {@code prefix} (e.g. "channel.url").
   */
  Channel validate(Channel channel, String prefix) {
    Violations v = new Violations();
    v.check(
        ID.matcher(channel.getChannelId()).matches(),
        prefix + "channel_id",
        "must be 1 to 64 characters of a-z, 0-9, _ and -");
    v.check(
        channel.getName().length() <= MAX_NAME_LENGTH,
        prefix + "name",
        "must be at most " + MAX_NAME_LENGTH + " characters");
    ChannelType type = channel.getType();
    boolean knownType =
        v.check(
            type != ChannelType.CHANNEL_TYPE_UNSPECIFIED && type != ChannelType.UNRECOGNIZED,
            prefix + "type",
            "is required: CHANNEL_TYPE_WEBHOOK, CHANNEL_TYPE_SLACK, CHANNEL_TYPE_GRPC_STREAM or CHANNEL_TYPE_LOG");
    if (knownType) {
      checkUrl(channel, type, prefix, v);
      v.check(
          channel.getSecret().isEmpty() || type == ChannelType.CHANNEL_TYPE_WEBHOOK,
          prefix + "secret",
          "is only used by webhook channels");
    }
    v.check(
        channel.getSecret().length() <= MAX_SECRET_LENGTH,
        prefix + "secret",
        "must be at most " + MAX_SECRET_LENGTH + " characters");
    v.check(
        channel.getMaxAttempts() == 0
            || (channel.getMaxAttempts() >= 1 && channel.getMaxAttempts() <= 100),
        prefix + "max_attempts",
        "must be between 1 and 100 (0 for the default " + DEFAULT_MAX_ATTEMPTS + ")");
    v.check(
        channel.getTimeoutMs() == 0
            || (channel.getTimeoutMs() >= 100 && channel.getTimeoutMs() <= 60_000),
        prefix + "timeout_ms",
        "must be between 100 and 60000 (0 for the default " + DEFAULT_TIMEOUT_MS + ")");
    v.throwIfAny("invalid channel");
    return channel.toBuilder()
        .setName(channel.getName().isEmpty() ? channel.getChannelId() : channel.getName())
        .setMaxAttempts(channel.getMaxAttempts() == 0 ? DEFAULT_MAX_ATTEMPTS : channel.getMaxAttempts())
        .setTimeoutMs(channel.getTimeoutMs() == 0 ? DEFAULT_TIMEOUT_MS : channel.getTimeoutMs())
        .clearHasSecret()
        .build();
  }

  private void checkUrl(Channel channel, ChannelType type, String prefix, Violations v) {
    String field = prefix + "url";
    String url = channel.getUrl();
    if (!usesUrl(type)) {
      v.check(url.isEmpty(), field, "must be empty for " + type + " channels");
      return;
    }
    if (!v.check(!url.isEmpty(), field, "is required for " + type + " channels")) {
      return;
    }
    if (!v.check(url.length() <= MAX_URL_LENGTH, field, "must be at most " + MAX_URL_LENGTH + " characters")) {
      return;
    }
    urlGuard.refusal(url).ifPresent(reason -> v.add(field, reason));
  }

  /** Whether deliveries to this type of channel are HTTP requests to the channel's URL. */
  static boolean usesUrl(ChannelType type) {
    return type == ChannelType.CHANNEL_TYPE_WEBHOOK || type == ChannelType.CHANNEL_TYPE_SLACK;
  }
}
