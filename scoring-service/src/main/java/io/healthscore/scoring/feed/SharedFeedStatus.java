package io.healthscore.scoring.feed;

import io.healthscore.scoring.store.FeedStatusStore;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The feed's state as every replica serves it: the applying replica's own view, which it stores
 * whenever it changes; the other replicas serve what it stored. A replica that could reach
 * signals-service itself would still serve scores as far behind as the applying one is.
 */
public final class SharedFeedStatus implements SignalsFeedStatus {
  private final SignalsFeedConsumer feed;
  private final FeedStatusStore store;
  private volatile Optional<Instant> stored = Optional.empty();
  private Optional<Instant> published;

  public SharedFeedStatus(SignalsFeedConsumer feed, FeedStatusStore store) {
    this.feed = feed;
    this.store = store;
  }

  @Override
  public Optional<Instant> unreachableSince() {
    return feed.applying() ? feed.unreachableSince() : stored;
  }

  /** On the applying replica: stores its view when it changed since the last call. */
  public synchronized void publish() {
    if (!feed.applying()) {
      published = null; // a replica that takes the feed over stores its view at once
      return;
    }
    Optional<Instant> now = feed.unreachableSince();
    if (!Objects.equals(now, published)) {
      store.save(SignalsFeedConsumer.CONSUMER, now);
      published = now;
    }
  }

  /** Reads what the applying replica stored (after its notice). */
  public void reload() {
    stored = store.load(SignalsFeedConsumer.CONSUMER);
  }
}
