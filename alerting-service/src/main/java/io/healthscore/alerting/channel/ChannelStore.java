package io.healthscore.alerting.channel;

import io.healthscore.v1.Channel;
import java.util.List;
import java.util.Optional;

/** Delivery channels, stored in the service's database. Secrets go in and never come out. */
public final class ChannelStore {

  /**
   * Validates and stores the channel, replacing one with the same id; returns it as stored
   * (defaults filled in, secret cleared, has_secret set). Throws InvalidArgumentException naming
   * each bad field (channel.channel_id, channel.type, channel.url, ...).
   */
  public Channel put(Channel channel) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** The channel without its secret. */
  public Optional<Channel> get(String channelId) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Every channel without secrets, ordered by id. */
  public List<Channel> list() {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
