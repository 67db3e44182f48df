package io.healthscore.scoring.feed;

import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.stream.StreamFollower;
import io.healthscore.scoring.scoring.IsolatingRecompute;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.AccountInfo;
import io.healthscore.scoring.upstream.ChangeFeed;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.WatchChangesResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Follows signals-service's change feed and rescores the accounts it names.
 *
 * <p>The cursor is stored in the same transaction as the score changes it caused, so a restart
 * resumes exactly after the last applied change: nothing is recomputed twice and nothing made
 * while scoring-service was down is missed. Changes are taken in batches (up to 1000 accounts),
 * their features read with BatchGetFeatures, and account edits refresh the account directory
 * first. An account that fails to apply is set aside and retried on its own ({@link
 * IsolatingRecompute}), so it never holds up the feed; an outage of signals-service fails the
 * batch, and the shared {@link StreamFollower} reopens the stream from the stored cursor with
 * exponential backoff. At most {@link #WINDOW} changes are in flight.
 */
public final class SignalsFeedConsumer implements AutoCloseable {
  public static final String CONSUMER = "scoring-service.signals-feed";
  private static final String SOURCE = "feed";
  static final int WINDOW = 2000;
  static final int MAX_BATCH = 1000;
  private static final Duration INITIAL_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private final CursorStore cursors;
  private final AccountDirectory directory;
  private final IsolatingRecompute recompute;
  private final StreamFollower<WatchChangesResponse> follower;
  private final AtomicLong applied = new AtomicLong();
  /** The highest cursor signals-service has sent us. */
  private final AtomicLong received = new AtomicLong();
  /** When the oldest change of the batch being applied was recorded; 0 when none is applied. */
  private volatile long applyingSinceMillis;
  private final Counter changesApplied;

  public SignalsFeedConsumer(
      ChangeFeed changeFeed,
      CursorStore cursors,
      AccountDirectory directory,
      IsolatingRecompute recompute,
      MeterRegistry registry) {
    this.cursors = cursors;
    this.directory = directory;
    this.recompute = recompute;
    this.applied.set(cursors.load(CONSUMER));
    this.received.set(applied.get());
    this.changesApplied =
        Counter.builder("healthscore.feed.changes.applied")
            .description("Account changes from signals-service applied to scores")
            .register(registry);
    Counter reconnects =
        Counter.builder("healthscore.feed.reconnects")
            .description("Times the signals change feed was reopened after an error")
            .register(registry);
    this.follower =
        StreamFollower.<WatchChangesResponse>builder(
                CONSUMER,
                cursors,
                changeFeed::watch,
                batch -> apply(batch.stream().map(WatchChangesResponse::getChange).toList()))
            .window(WINDOW)
            .maxBatch(MAX_BATCH)
            .backoff(INITIAL_BACKOFF, MAX_BACKOFF)
            .onReceived(r -> received.accumulateAndGet(r.getChange().getCursor(), Math::max))
            .onReconnect(reconnects::increment)
            .build();
    Gauge.builder("healthscore.feed.cursor", applied, AtomicLong::get)
        .description("Cursor of the last applied signals change")
        .register(registry);
    Gauge.builder("healthscore.feed.cursor.lag", this, f -> Math.max(0, f.received.get() - f.applied.get()))
        .description("Highest signals cursor received minus the cursor applied (0 when caught up)")
        .register(registry);
    Gauge.builder("healthscore.feed.lag", this, SignalsFeedConsumer::lagSeconds)
        .description("Age of the oldest signals change received and not yet applied (0 when caught up)")
        .baseUnit("seconds")
        .register(registry);
  }

  public void start() {
    follower.start();
  }

  /** The cursor of the last change whose effects are stored. */
  public long appliedCursor() {
    return applied.get();
  }

  /** Refreshes edited accounts, rescores every account named and stores the cursor with it. */
  void apply(List<AccountChange> batch) {
    applyingSinceMillis = Math.max(1, Timestamps.toMillis(batch.get(0).getChangeTime()));
    try {
      applyBatch(batch);
    } finally {
      applyingSinceMillis = 0;
    }
  }

  private void applyBatch(List<AccountChange> batch) {
    long last = batch.get(batch.size() - 1).getCursor();
    Set<String> ids = new LinkedHashSet<>();
    boolean accountsEdited = false;
    for (AccountChange change : batch) {
      ids.add(change.getAccountId());
      if (change.getKindsList().contains(ChangeKind.CHANGE_KIND_ACCOUNT)) {
        directory.refresh(change.getAccountId());
        accountsEdited = true;
      }
    }
    List<AccountInfo> accounts = new ArrayList<>(ids.size());
    for (String id : ids) {
      directory.get(id).ifPresent(accounts::add);
    }
    recompute.recompute(SOURCE, accounts, null, accountsEdited, c -> cursors.save(c, CONSUMER, last));
    applied.set(last);
    changesApplied.increment(batch.size());
  }

  /**
   * Seconds since the oldest change received and not applied yet was recorded by signals-service:
   * the batch being applied, else the next one waiting. Changes signals-service has not sent yet
   * (beyond the flow-control window) do not show here.
   */
  private double lagSeconds() {
    long since = applyingSinceMillis;
    if (since == 0) {
      since =
          follower
              .oldestWaiting()
              .map(r -> Timestamps.toMillis(r.getChange().getChangeTime()))
              .orElse(0L);
      if (since == 0) {
        return 0;
      }
    }
    return Math.max(0, System.currentTimeMillis() - since) / 1000.0;
  }

  @Override
  public void close() {
    follower.close();
  }
}
