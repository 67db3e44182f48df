package io.healthscore.signals.feed;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.logging.FailureLog;
import io.healthscore.runtime.stream.CursorLog;
import io.healthscore.runtime.stream.CursorStreamHub;
import io.healthscore.signals.ingest.ChangeListener;
import io.healthscore.signals.store.ChangeEntry;
import io.healthscore.signals.store.ChangeFeedStore;
import io.healthscore.signals.store.ChangeKind;
import io.healthscore.signals.store.PendingChange;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change feed: gathers changes per account, appends them to the change feed table from a
 * single writer thread (so cursors are written in order), and serves watchers.
 *
 * <p>Coalescing adapts to load: a change that arrives when the last write is at least one window
 * old is written at once (a quiet feed adds no delay); changes that arrive sooner, or while a write
 * is running, are gathered until one window after the last write began, so under load each account
 * gets at most one entry per window.
 *
 * <p>Signals reach it through {@link ChangeListener} once durable (and again for batches replayed
 * from the write-ahead log, so delivery is at-least-once). Account upserts and outcomes write their
 * entries in their own transaction (ChangeFeedStore#inTransactionWithEntries, so a crash cannot keep
 * the change and lose its entry) and hand them to {@link #published}. Watchers always read the
 * table in cursor order, woken when this writer commits or, for entries other replicas wrote, by a
 * once-a-second poll; replay and live delivery are one path, so nothing falls between them.
 */
public final class ChangeFeed implements ChangeListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);
  private final FailureLog writeFailures = new FailureLog(LOG, "change feed write");
  private final FailureLog pollFailures = new FailureLog(LOG, "change feed poll for other writers");
  private final FailureLog retentionFailures = new FailureLog(LOG, "change feed retention sweep");
  private static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
  private static final Duration RETENTION_SWEEP_INTERVAL = Duration.ofHours(1);

  private final ChangeFeedStore store;
  private final Duration retention;
  private final Clock clock;
  private final ScheduledExecutorService writer;
  private final CursorStreamHub<ChangeEntry> watches;
  private final Timer lag;
  private final Object lock = new Object();
  /** Changes not yet written, by account, in arrival order. */
  @GuardedBy("lock")
  private Map<String, Pending> pending = new LinkedHashMap<>();
  private final AtomicLong lastCursor;
  private final long windowNanos;
  private volatile Thread writerThread;
  // Writer thread only.
  private boolean writeScheduled;
  private long lastWriteNanos;

  /** Starts the writer; {@code window} is how long changes are gathered under load. */
  public ChangeFeed(
      ChangeFeedStore store, Duration window, Duration retention, Clock clock, MeterRegistry registry) {
    this.store = store;
    this.retention = retention;
    this.clock = clock;
    this.lastCursor = new AtomicLong(store.lastCursor());
    this.writer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = DaemonThreads.named("change-feed-writer").newThread(r);
              writerThread = t;
              return t;
            });
    // The in-memory last cursor spares watches a read when nothing is new.
    this.watches =
        new CursorStreamHub<>(
            "change-feed-watch", CursorLog.of(store::after, ChangeEntry::cursor, lastCursor::get));
    this.lag =
        Timer.builder("healthscore.change.feed.lag")
            .description("Time from a change being recorded to its feed entry being stored")
            .publishPercentileHistogram()
            .register(registry);
    Gauge.builder("healthscore.change.feed.pending.accounts", this, ChangeFeed::pendingAccounts)
        .description("Accounts with changes waiting for the next feed write")
        .register(registry);
    Gauge.builder("healthscore.change.feed.cursor", this, f -> f.lastCursor.get())
        .description("Greatest change feed cursor this replica knows of")
        .register(registry);
    this.windowNanos = window.toNanos();
    this.lastWriteNanos = System.nanoTime() - windowNanos;
    writer.scheduleWithFixedDelay(
        this::pollOtherWriters, POLL_INTERVAL.toMillis(), POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    writer.scheduleWithFixedDelay(
        this::deleteExpiredQuietly, 0, RETENTION_SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Gathers the changes on the feed's writer thread, not the caller's (the ingest engine's log
   * writer, which every ingest waits for). A {@link #flush} submitted later runs after it.
   */
  @Override
  public void onSignals(Map<String, Set<String>> metricsByAccount) {
    try {
      writer.execute(() -> gather(metricsByAccount));
    } catch (RejectedExecutionException e) {
      gather(metricsByAccount); // closing: keep the change for the final flush
    }
  }

  private void gather(Map<String, Set<String>> metricsByAccount) {
    synchronized (lock) {
      metricsByAccount.forEach((account, metrics) -> pendingOf(account).add(ChangeKind.SIGNALS, metrics));
    }
    scheduleWrite();
  }

  /**
   * On the writer thread: a write at once when the last one began a window ago or more (queued
   * behind the changes already submitted, so they join it), else one window after it began.
   */
  private void scheduleWrite() {
    if (writeScheduled || Thread.currentThread() != writerThread) {
      return; // closing: the final flush writes what is gathered
    }
    long wait = lastWriteNanos + windowNanos - System.nanoTime();
    try {
      if (wait <= 0) {
        writer.execute(this::writeQuietly);
      } else {
        writer.schedule(this::writeQuietly, wait, TimeUnit.NANOSECONDS);
      }
      writeScheduled = true;
    } catch (RejectedExecutionException closing) {
      // the final flush writes what is gathered
    }
  }

  /** Wakes watchers for entries committed outside the writer (with their change, in one transaction). */
  public void published(List<ChangeEntry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    lastCursor.accumulateAndGet(entries.get(entries.size() - 1).cursor(), Math::max);
    watches.wakeAll();
  }

  /** The table the feed appends to, for writes that add their entries in their own transaction. */
  public ChangeFeedStore store() {
    return store;
  }

  @GuardedBy("lock")
  private Pending pendingOf(String accountId) {
    return pending.computeIfAbsent(accountId, id -> new Pending(System.nanoTime()));
  }

  /** Stores every gathered change before returning; throws if the store fails. */
  @Override
  public void flush() {
    if (Thread.currentThread() == writerThread) {
      write();
      return;
    }
    Future<?> done = writer.submit(this::write);
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while flushing the change feed", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot store change feed entries", e.getCause());
    }
  }

  private void writeQuietly() {
    writeScheduled = false;
    lastWriteNanos = System.nanoTime();
    try {
      write();
      writeFailures.succeeded();
    } catch (RuntimeException e) {
      writeFailures.failed(e);
      scheduleWrite();
    }
  }

  /** Runs on the writer thread only. */
  private void write() {
    Map<String, Pending> batch;
    synchronized (lock) {
      if (pending.isEmpty()) {
        return;
      }
      batch = pending;
      pending = new LinkedHashMap<>();
    }
    List<PendingChange> changes = new ArrayList<>(batch.size());
    batch.forEach((account, p) -> changes.add(new PendingChange(account, p.kinds, p.metrics)));
    List<ChangeEntry> stored;
    try {
      stored = store.append(changes, clock.instant());
    } catch (RuntimeException e) {
      synchronized (lock) {
        // Put them back in front of what arrived meanwhile so the next write retries them.
        Map<String, Pending> restored = new LinkedHashMap<>(batch);
        pending.forEach((account, later) -> restored.merge(account, later, Pending::mergeLater));
        pending = restored;
      }
      throw e;
    }
    long now = System.nanoTime();
    batch.values().forEach(p -> lag.record(now - p.firstNanos, TimeUnit.NANOSECONDS));
    lastCursor.accumulateAndGet(stored.get(stored.size() - 1).cursor(), Math::max);
    watches.wakeAll();
  }

  /** Notices entries other replicas sharing the database appended. */
  private void pollOtherWriters() {
    pollFailures.attempt(() -> {
      long latest = store.lastCursor();
      if (latest > lastCursor.getAndAccumulate(latest, Math::max)) {
        watches.wakeAll();
      }
    });
  }

  private void deleteExpiredQuietly() {
    retentionFailures.attempt(() -> {
      int deleted = store.deleteBefore(clock.instant().minus(retention));
      if (deleted > 0) {
        LOG.info("deleted " + deleted + " change feed entries older than " + retention);
      }
    });
  }

  /**
   * Streams entries after {@code afterCursor} to {@code observer}, then follows new ones, until the
   * call is cancelled or the feed drains.
   */
  public <T> void watch(long afterCursor, StreamObserver<T> observer, Function<ChangeEntry, T> toMessage) {
    watches.open(afterCursor, observer, toMessage);
  }

  private double pendingAccounts() {
    synchronized (lock) {
      return pending.size();
    }
  }

  /** Ends every watch stream cleanly (OK) so clients reconnect with their last cursor. */
  public void endWatches() {
    watches.endAll();
  }

  /** Ends watches, stores what is gathered and stops the writer. */
  @Override
  public void close() {
    endWatches();
    try {
      flush();
    } finally {
      writer.shutdown();
      watches.close();
      try {
        writer.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** What one account gathered since the last write. */
  private static final class Pending {
    final long firstNanos;
    final EnumSet<ChangeKind> kinds = EnumSet.noneOf(ChangeKind.class);
    /** Unordered here (the store sorts them); metric names are shared instances, so adds are cheap. */
    final Set<String> metrics = new HashSet<>();

    Pending(long firstNanos) {
      this.firstNanos = firstNanos;
    }

    void add(ChangeKind kind, Set<String> newMetrics) {
      kinds.add(kind);
      metrics.addAll(newMetrics);
    }

    static Pending mergeLater(Pending earlier, Pending later) {
      Pending merged = new Pending(Math.min(earlier.firstNanos, later.firstNanos));
      merged.kinds.addAll(earlier.kinds);
      merged.kinds.addAll(later.kinds);
      merged.metrics.addAll(earlier.metrics);
      merged.metrics.addAll(later.metrics);
      return merged;
    }
  }
}
