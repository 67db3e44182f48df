package io.healthscore.scoring.feed;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.db.FeedLease;
import io.healthscore.runtime.stream.StreamFollower;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.scoring.IsolatingRecompute;
import io.healthscore.scoring.scoring.PortfolioMetrics;
import io.healthscore.scoring.store.CacheNotices;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.AccountInfo;
import io.healthscore.scoring.upstream.ChangeFeed;
import io.healthscore.scoring.upstream.SignalsClient;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.WatchChangesResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Follows signals-service's change feed and rescores the accounts it names.
 *
 * <p>The cursor is stored in the same transaction as the score changes it caused, so a restart
 * resumes exactly after the last applied change: nothing is recomputed twice and nothing made
 * while scoring-service was down is missed. Changes are taken in batches (up to {@link #MAX_BATCH}
 * changes: a feed that fell behind takes in many changes of the same accounts at once and reads
 * each account once), their features read with BatchGetFeatures in parts sized to end well
 * within the call's deadline ({@link ReadPartSize}), and account edits refresh the account
 * directory first. Reading and applying overlap: while one batch is applied and committed on the
 * applier's thread, the follower's thread reads the next one's features. An account that fails to
 * apply is set aside and retried on its own ({@link IsolatingRecompute}), so it never holds up the
 * feed; an outage of signals-service fails the batch, and the shared {@link StreamFollower}
 * reopens the stream from the stored cursor with exponential backoff. At most {@link #WINDOW}
 * changes are in flight. While the outage lasts,
 * {@link #unreachableSince()} says since when, so served scores can be marked as possibly behind.
 *
 * <p>Replicas: one replica at a time applies the feed, the holder of the feed's {@link FeedLease};
 * every batch's transaction is fenced with it, and names the accounts it refreshed in a cache
 * notice so the other replicas refresh them too (docs/decisions/008).
 */
public final class SignalsFeedConsumer implements SignalsFeedStatus, AutoCloseable {
  public static final String CONSUMER = "scoring-service.signals-feed";
  private static final String SOURCE = "feed";
  static final int WINDOW = 10_000;
  static final int MAX_BATCH = 5_000;
  private static final Duration INITIAL_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  /** Accounts read per call at first, before any call was timed. */
  private static final int INITIAL_READ_PART = 200;
  /** A read part aims at this share of the deadline of a call to signals-service. */
  private static final int READ_TARGET_SHARE = 5;

  private final ReadPartSize readSize;
  private final CursorStore cursors;
  private final FeedLease lease;
  private final CacheNotices notices;
  private final AccountDirectory directory;
  private final IsolatingRecompute recompute;
  private final StreamFollower<WatchChangesResponse> follower;
  private final AtomicLong applied = new AtomicLong();
  /** The highest cursor signals-service has sent us. */
  private final AtomicLong received = new AtomicLong();
  /** When the oldest change of the batch being applied was recorded; 0 when none is applied. */
  private volatile long applyingSinceMillis;
  /** The same for the batch whose features are being read ahead; 0 when none is. */
  private volatile long readingSinceMillis;
  private final Counter changesApplied;
  private final Counter readPartsTimedOut;
  private final PortfolioMetrics portfolio;

  /** A batch whose features were read, waiting for the applier; snapshots null when unreadable. */
  private record Prepared(
      int epoch, List<AccountChange> changes, List<AccountInfo> accounts, List<AccountSnapshot> snapshots,
      Set<String> edited) {}

  /** Batches read ahead of the one being applied. */
  private final BlockingQueue<Prepared> pending = new ArrayBlockingQueue<>(1);
  private final Thread applier = DaemonThreads.named("apply-" + CONSUMER).newThread(this::applyLoop);
  /** Guards {@link #applyFailure} and {@link #epoch} together. */
  private final Object pipeline = new Object();
  /** Why the applier stopped applying, until the follower reports it and reconnects. */
  private volatile RuntimeException applyFailure;
  /** Bumped at every apply failure: batches read before it are dropped, the follower reads them again. */
  private volatile int epoch;
  private volatile boolean closing;

  public SignalsFeedConsumer(
      ChangeFeed changeFeed,
      CursorStore cursors,
      FeedLease lease,
      CacheNotices notices,
      AccountDirectory directory,
      IsolatingRecompute recompute,
      PortfolioMetrics portfolio,
      Duration readDeadline,
      MeterRegistry registry) {
    this.readSize = new ReadPartSize(INITIAL_READ_PART, SignalsClient.MAX_BATCH, readDeadline.dividedBy(READ_TARGET_SHARE));
    this.cursors = cursors;
    this.portfolio = portfolio;
    this.lease = lease;
    this.notices = notices;
    this.directory = directory;
    this.recompute = recompute;
    this.applied.set(cursors.load(CONSUMER));
    this.received.set(applied.get());
    this.changesApplied =
        Counter.builder("healthscore.feed.changes.applied")
            .description("Account changes from signals-service applied to scores")
            .register(registry);
    this.readPartsTimedOut =
        Counter.builder("healthscore.feed.read.parts.timed.out")
            .description("Feature reads of the feed that passed their deadline and were read again in halves")
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
                batch -> read(batch.stream().map(WatchChangesResponse::getChange).toList()))
            .window(WINDOW)
            .maxBatch(MAX_BATCH)
            .backoff(INITIAL_BACKOFF, MAX_BACKOFF)
            .onReceived(r -> received.accumulateAndGet(r.getChange().getCursor(), Math::max))
            .onReconnect(reconnects::increment)
            .lease(lease)
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
    lease.start();
    applier.start();
    follower.start();
  }

  /** Whether this replica applies the feed now (work tied to the feed runs only there). */
  public boolean applying() {
    return lease.held();
  }

  /** The cursor of the last change whose effects are stored. */
  public long appliedCursor() {
    return applied.get();
  }

  @Override
  public Optional<Instant> unreachableSince() {
    return follower.disconnectedSince();
  }

  /**
   * The follower's handler: refreshes edited accounts and reads the batch's features, then hands
   * it to the applier, at most one batch ahead. Fails (so the follower reopens the stream from the
   * stored cursor) when the applier failed or signals-service is out.
   */
  void read(List<AccountChange> batch) {
    int stamp;
    synchronized (pipeline) {
      RuntimeException failed = applyFailure;
      if (failed != null) {
        applyFailure = null;
        throw failed;
      }
      stamp = epoch;
    }
    readingSinceMillis = Math.max(1, Timestamps.toMillis(batch.get(0).getChangeTime()));
    Prepared p;
    try {
      p = prepare(batch, stamp);
    } finally {
      readingSinceMillis = 0;
    }
    try {
      while (!pending.offer(p, 200, TimeUnit.MILLISECONDS)) {
        if (closing) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Prepared prepare(List<AccountChange> batch, int stamp) {
    Set<String> ids = new LinkedHashSet<>();
    Set<String> edited = new LinkedHashSet<>();
    Set<String> metrics = new LinkedHashSet<>();
    for (AccountChange change : batch) {
      ids.add(change.getAccountId());
      metrics.addAll(change.getMetricsList());
      if (change.getKindsList().contains(ChangeKind.CHANGE_KIND_ACCOUNT)) {
        edited.add(change.getAccountId());
      }
    }
    // Before the batch is scored, so that its accounts are scored knowing what the portfolio sends.
    portfolio.record(metrics);
    directory.refreshAll(edited);
    List<AccountInfo> accounts = new ArrayList<>(ids.size());
    for (String id : ids) {
      directory.get(id).ifPresent(accounts::add);
    }
    List<AccountSnapshot> snapshots;
    try {
      snapshots = readInParts(accounts);
    } catch (RuntimeException e) {
      if (IsolatingRecompute.isOutage(e)) {
        throw e;
      }
      snapshots = null; // some account of the batch cannot be read: the applier isolates it
    }
    return new Prepared(stamp, batch, accounts, snapshots, edited);
  }

  /**
   * The accounts' snapshots, read in parts of {@link #readSize}: a part that passes its deadline is
   * read again in halves, so a slow signals-service slows the feed down instead of stopping it.
   */
  private List<AccountSnapshot> readInParts(List<AccountInfo> accounts) {
    List<AccountSnapshot> snapshots = new ArrayList<>(accounts.size());
    int from = 0;
    while (from < accounts.size()) {
      List<AccountInfo> part = accounts.subList(from, Math.min(accounts.size(), from + readSize.next()));
      long start = System.nanoTime();
      try {
        snapshots.addAll(recompute.read(part));
      } catch (RuntimeException e) {
        if (Status.fromThrowable(e).getCode() == Status.Code.DEADLINE_EXCEEDED && readSize.timedOut(part.size())) {
          readPartsTimedOut.increment();
          continue;
        }
        throw e;
      }
      readSize.answered(part.size(), System.nanoTime() - start);
      from += part.size();
    }
    return snapshots;
  }

  /** The applier's loop: applies prepared batches in order, each with its cursor. */
  private void applyLoop() {
    while (!closing) {
      Prepared p;
      try {
        p = pending.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (p == null || p.epoch() != epoch) {
        continue; // read before a failure: the follower reads it again from the stored cursor
      }
      List<AccountChange> batch = p.changes();
      long last = batch.get(batch.size() - 1).getCursor();
      if (last <= applied.get()) {
        continue; // sent again after a reconnect while it was being applied
      }
      applyingSinceMillis = Math.max(1, Timestamps.toMillis(batch.get(0).getChangeTime()));
      try {
        List<CacheNotices.Notice> edits = p.edited().stream().map(CacheNotices.Notice::account).toList();
        recompute.recompute(
            SOURCE, p.accounts(), p.snapshots(), null, !edits.isEmpty(), lease::fence, c -> {
              cursors.save(c, CONSUMER, last);
              notices.append(c, edits);
            });
        applied.accumulateAndGet(last, Math::max);
        changesApplied.increment(batch.size());
      } catch (RuntimeException e) {
        synchronized (pipeline) {
          applyFailure = e;
          epoch++;
        }
      } finally {
        applyingSinceMillis = 0;
      }
    }
  }

  /**
   * Seconds since the oldest change received and not applied yet was recorded by signals-service:
   * the batch being applied, else the one read ahead, else the one being read, else the next one
   * waiting. Changes signals-service has not sent yet
   * (beyond the flow-control window) do not show here.
   */
  private double lagSeconds() {
    long since = applyingSinceMillis;
    Prepared next = pending.peek();
    if (since == 0 && next != null) {
      since = Timestamps.toMillis(next.changes().get(0).getChangeTime());
    }
    if (since == 0) {
      since = readingSinceMillis;
    }
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
    closing = true;
    follower.close();
    try {
      applier.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lease.close(); // after the last batch: another replica takes over at once
  }
}
