package io.healthscore.alerting.channel;

import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.runtime.logging.SecretScrubber;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Delivery channels, stored in the service's database. Secrets go in and never come out of the
 * API: {@link #get} and {@link #list} clear them and set has_secret instead, and show a Slack
 * channel's URL, itself a credential, masked ({@link ChannelUrls}).
 *
 * <p>Storing a channel without a secret keeps the secret it already had, so a channel can be
 * edited by someone who does not know its key; to rotate the key, send the new one. A new URL is
 * the exception: the key was shared with the old receiver, so it moves to the new one only when
 * the caller says so ({@code keepSecret}) or sends it again.
 */
public final class ChannelStore {
  private static final String COLUMNS =
      "channel_id, name, channel_type, url, secret, max_attempts, timeout_ms";

  private final Database db;
  private final ChannelValidation validation;

  public ChannelStore(Database db, UrlGuard urlGuard) {
    this.db = db;
    this.validation = new ChannelValidation(urlGuard);
  }

  /** {@link #put(Channel, boolean)} without keeping a secret across a change of URL. */
  public Channel put(Channel channel) {
    return put(channel, false);
  }

  /**
   * Validates and stores the channel, replacing one with the same id; returns it as stored
   * (defaults filled in, secret cleared, has_secret set). Throws InvalidArgumentException naming
   * each bad field (channel.channel_id, channel.type, channel.url, ...), and on channel.secret when
   * the URL of a channel with a secret changes without a secret and without {@code keepSecret}.
   */
  public Channel put(Channel channel, boolean keepSecret) {
    registerSecrets(channel);
    Channel valid = validation.validate(channel, "channel.");
    Channel stored =
        db.inTransaction(
            c -> {
              Optional<Channel> before = find(c, channel.getChannelId());
              Channel incoming = keepMaskedUrl(valid, before);
              String secret = incoming.getSecret();
              if (secret.isEmpty() && incoming.getType() == ChannelType.CHANNEL_TYPE_WEBHOOK) {
                secret = before.map(Channel::getSecret).orElse("");
                boolean moved = before.isPresent() && !before.get().getUrl().equals(incoming.getUrl());
                if (!secret.isEmpty() && moved && !keepSecret) {
                  throw InvalidArgumentException.forField(
                      "channel.secret",
                      "the URL changed: send the secret again, or set keep_secret to keep the stored one");
                }
              }
              try (PreparedStatement s =
                  c.prepareStatement(
                      db.dialect()
                          .upsertSql(
                              "delivery_channels",
                              List.of("channel_id"),
                              List.of(
                                  "name", "channel_type", "url", "secret", "max_attempts",
                                  "timeout_ms", "update_ms")))) {
                s.setString(1, incoming.getChannelId());
                s.setString(2, incoming.getName());
                s.setInt(3, incoming.getTypeValue());
                s.setString(4, incoming.getUrl());
                s.setString(5, secret);
                s.setInt(6, incoming.getMaxAttempts());
                s.setInt(7, incoming.getTimeoutMs());
                s.setLong(8, System.currentTimeMillis());
                s.executeUpdate();
              }
              return incoming.toBuilder().setSecret(secret).build();
            });
    return forClients(stored);
  }

  /** The channel with the stored URL when the caller sent back the masked form the API showed. */
  private static Channel keepMaskedUrl(Channel channel, Optional<Channel> before) {
    boolean masked =
        before.isPresent()
            && before.get().getType() == channel.getType()
            && ChannelUrls.isMaskedFormOf(channel.getType(), channel.getUrl(), before.get().getUrl());
    return masked ? channel.toBuilder().setUrl(before.get().getUrl()).build() : channel;
  }

  /** The channel without its secret. */
  public Optional<Channel> get(String channelId) {
    return withSecret(channelId).map(ChannelStore::forClients);
  }

  /** Every channel without secrets, ordered by id. */
  public List<Channel> list() {
    return db.read(
        c -> {
          List<Channel> channels = new ArrayList<>();
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT " + COLUMNS + " FROM delivery_channels ORDER BY channel_id");
              ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              channels.add(forClients(read(rs)));
            }
          }
          return channels;
        });
  }

  /** The channel including its secret, for signing deliveries; never hand it to a client. */
  public Optional<Channel> withSecret(String channelId) {
    return db.read(c -> find(c, channelId));
  }

  private static Optional<Channel> find(Connection c, String channelId) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("SELECT " + COLUMNS + " FROM delivery_channels WHERE channel_id = ?")) {
      s.setString(1, channelId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  private static Channel read(ResultSet rs) throws SQLException {
    ChannelType type = ChannelType.forNumber(rs.getInt("channel_type"));
    Channel channel = Channel.newBuilder()
        .setChannelId(rs.getString("channel_id"))
        .setName(rs.getString("name"))
        .setType(type == null ? ChannelType.CHANNEL_TYPE_UNSPECIFIED : type)
        .setUrl(rs.getString("url"))
        .setSecret(rs.getString("secret"))
        .setMaxAttempts(rs.getInt("max_attempts"))
        .setTimeoutMs(rs.getInt("timeout_ms"))
        .build();
    registerSecrets(channel);
    return channel;
  }

  /** The log masks a channel's secret and its Slack URL from the moment they are known. */
  private static void registerSecrets(Channel channel) {
    SecretScrubber.register(channel.getSecret());
    if (channel.getType() == ChannelType.CHANNEL_TYPE_SLACK) {
      SecretScrubber.register(channel.getUrl());
    }
  }

  /** What a client sees: no secret (has_secret instead), the URL masked where it is a credential. */
  private static Channel forClients(Channel channel) {
    return channel.toBuilder()
        .clearSecret()
        .setHasSecret(!channel.getSecret().isEmpty())
        .setUrl(ChannelUrls.masked(channel.getType(), channel.getUrl()))
        .build();
  }
}
