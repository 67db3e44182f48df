package io.healthscore.signals.ingest;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.DatabaseException;
import io.healthscore.runtime.error.DeadlineExceededException;
import io.healthscore.runtime.error.ResourceExhaustedException;
import io.healthscore.runtime.error.UnavailableException;
import io.healthscore.runtime.logging.FailureLog;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable, deduplicating ingest of signals into daily rollups, built like a time-series database's
 * head block: each batch is appended to a write-ahead log and synced before it is acknowledged
 * (concurrent batches share one sync: group commit), the rollups changed since the last checkpoint
 * live in memory, the event ids of the dedup window on disk ({@link EventIdStore}), and a checkpoint
 * every few seconds syncs the ids, merges those rollups into the SQL store's blocks of days in one
 * transaction and drops the log segments it covers. After a crash, memory is rebuilt from the last
 * checkpoint plus the log, whose ids are written to the id store again. See docs/ingest.md.
 *
 * <p>Threads: callers prepare their batch (hashing, encoding, looking its event ids up in the id
 * store) and wait; one writer thread decides duplicates (in memory, {@link DedupWindow}), appends,
 * syncs and applies; one id writer thread writes the new ids to the id store; one checkpoint thread
 * writes to SQL. Lock order: checkpointLock, then walLock, then deltaLock.
 */
public final class IngestEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IngestEngine.class);
  private final FailureLog checkpointFailures = new FailureLog(LOG, "ingest checkpoint");
  private static final long MILLIS_PER_DAY = 86_400_000L;
  private static final PreparedBatch END_OF_INPUT =
      PreparedBatch.prepare(List.of(), UnaryOperator.identity(), SignalHashing.legacyUnkeyed());

  /**
   * Rollups of a checkpoint interval that ended, waiting to be written; {@code lastIdGroup} is the
   * last group of event ids it logged ({@link DedupWindow#lastLogged}).
   */
  private record FrozenInterval(RollupDelta delta, long replayFromSegment, long lastIdGroup) {}

  private final IngestSettings settings;
  private final RollupStore store;
  private final ChangeListener listener;
  private final Clock clock;
  private final IngestMeters meters;
  private final MetricNames metricNames;
  private final SignalHashing hashing;
  private final List<Consumer<Throwable>> failureListeners = new CopyOnWriteArrayList<>();

  private final Object checkpointLock = new Object();
  private final Object walLock = new Object();
  private final Object deltaLock = new Object();
  private final Object queueLock = new Object();
  private final Object capacity = new Object();

  // Guarded by walLock.
  private final WriteAheadLog wal;
  private final EventIdStore ids;
  private final DedupWindow dedup;
  private final IngestLimits limits;
  private long sequence;
  private final ByteSink groupBuffer = new ByteSink(1 << 20);

  @GuardedBy("deltaLock")
  private RollupDelta active;
  private final ArrayDeque<FrozenInterval> frozen = new ArrayDeque<>();

  private final LinkedBlockingQueue<PreparedBatch> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final ScheduledExecutorService checkpointer;
  private final AtomicBoolean checkpointRequested = new AtomicBoolean();
  private volatile int activeRollups;
  private volatile int frozenRollups;
  private volatile long activeBytes;
  private volatile long frozenBytes;
  private volatile long rememberedIds;
  private volatile Throwable failure;
  @GuardedBy("queueLock")
  private boolean closed;

  private IngestEngine(
      IngestSettings settings, RollupStore store, ChangeListener listener, MeterRegistry registry,
      Clock clock, Replay replay, long firstNewSegment, SignalHashing hashing,
      WriteAheadLog.SegmentOpener opener)
      throws IOException {
    this.hashing = hashing;
    this.settings = settings;
    this.store = store;
    this.listener = listener;
    this.clock = clock;
    this.ids = replay.ids;
    this.metricNames = replay.metricNames;
    this.active = replay.delta;
    this.sequence = replay.sequence;
    this.activeRollups = active.rollupCount();
    this.activeBytes = active.estimatedBytes();
    this.rememberedIds = ids.estimatedIds();
    this.wal = new WriteAheadLog(settings.walDir(), firstNewSegment, settings.fsync(), opener);
    this.meters = new IngestMeters(registry, this::hotRollups, () -> rememberedIds);
    this.limits =
        new IngestLimits(
            settings.maxMetricsPerAccount(), settings.maxUsersPerMetricDay(), settings.limitsBytes(),
            new LimitsState());
    this.dedup = new DedupWindow(ids, settings.dedupRetentionDays(), this::fail);
    this.writer = DaemonThreads.named("signals-ingest-wal-writer").newThread(this::writeLoop);
    this.checkpointer =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("signals-ingest-checkpoint"));
  }

  /**
   * Runs the engine's migrations (owner "signals-ingest"), opens the event id store (folding in id
   * files of the former format), replays the log written after the last checkpoint (telling {@code
   * listener} about it again) and starts.
   */
  public static IngestEngine open(
      IngestSettings settings, Database db, ChangeListener listener, MeterRegistry registry) {
    return open(settings, db, listener, registry, Clock.systemUTC());
  }

  static IngestEngine open(
      IngestSettings settings, Database db, ChangeListener listener, MeterRegistry registry, Clock clock) {
    return open(settings, db, listener, registry, clock, WriteAheadLog.SegmentOpener.FILES);
  }

  static IngestEngine open(
      IngestSettings settings, Database db, ChangeListener listener, MeterRegistry registry, Clock clock,
      WriteAheadLog.SegmentOpener opener) {
    try {
      Files.createDirectories(settings.walDir());
      RollupStore store = new RollupStore(db);
      store.migrate();
      SignalHashing hashing = store.hashing(holdsFiles(settings.walDir()));
      if (!hashing.isKeyed()) {
        LOG.warn("this store was created before id hashes were keyed and keeps the fixed hash;"
            + " a new store (new data directory and database) gets a keyed one");
      }
      RollupStore.Checkpoint checkpoint = store.lastCheckpoint();
      long today = Math.floorDiv(clock.millis(), MILLIS_PER_DAY);
      EventIdStore ids = EventIdStore.open(settings.walDir().resolve(EventIdStore.DIRECTORY), settings.dedupMemoryBytes());
      IngestEngine engine;
      Replay replay = new Replay(ids, checkpoint.checkpointId() + 1, today, settings.dedupRetentionDays());
      try {
        foldLegacyIdFiles(settings, ids, today);
        long lastSegment =
            WriteAheadLog.replay(
                settings.walDir(),
                checkpoint.replayFromSegment(),
                (segment, data, offset, length) -> WalBatchCodec.decode(data, offset, length, replay));
        replay.writeIds();
        engine = new IngestEngine(settings, store, listener, registry, clock, replay, lastSegment + 1, hashing, opener);
      } catch (IOException | RuntimeException e) {
        ids.close();
        throw e;
      }
      engine.wal.deleteBefore(checkpoint.replayFromSegment());
      if (!replay.changed.isEmpty()) {
        LOG.info("replayed " + replay.sequence + " signals from the write-ahead log");
        listener.onSignals(replay.changed);
      }
      engine.writer.start();
      long interval = settings.checkpointInterval().toMillis();
      engine.checkpointer.scheduleWithFixedDelay(
          engine::checkpointQuietly, interval, interval, TimeUnit.MILLISECONDS);
      return engine;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the ingest log in " + settings.walDir(), e);
    }
  }

  /** Whether the log directory holds segments or ids, i.e. hashes of an existing store. */
  private static boolean holdsFiles(java.nio.file.Path walDir) throws IOException {
    try (var files = Files.newDirectoryStream(walDir, "{wal-*.log,ids-*.bin," + EventIdStore.DIRECTORY + "}")) {
      return files.iterator().hasNext();
    }
  }

  /**
   * Moves the ids of the former id files (a data directory of an earlier version) into the store,
   * synced before the files are deleted, so a crash midway reads them again at the next start.
   */
  private static void foldLegacyIdFiles(IngestSettings settings, EventIdStore ids, long today) throws IOException {
    IdBuffer folded = new IdBuffer(ids);
    new LegacyEventIdFiles(settings.walDir())
        .foldInto(
            (high, low, day) -> folded.add(EventIdStore.key(high, low), day),
            () -> {
              folded.write();
              ids.sync();
              if (folded.total > 0) {
                LOG.info("folded " + folded.total + " event ids of the former id files into " + EventIdStore.DIRECTORY);
              }
            },
            today,
            settings.dedupRetentionDays());
  }

  /** Ids on their way into the store, written a bounded number at a time. */
  private static final class IdBuffer {
    private static final int WRITE_EVERY = 65_536;
    private final EventIdStore ids;
    private final Map<Long, List<byte[]>> byDay = new HashMap<>();
    private int buffered;
    long total;

    IdBuffer(EventIdStore ids) {
      this.ids = ids;
    }

    void add(byte[] key, long day) throws IOException {
      byDay.computeIfAbsent(day, d -> new ArrayList<>()).add(key);
      total++;
      if (++buffered >= WRITE_EVERY) {
        write();
      }
    }

    void write() throws IOException {
      if (buffered > 0) {
        ids.add(byDay);
        byDay.clear();
        buffered = 0;
      }
    }
  }

  /** Rebuilds the in-memory state from the log at start: the active delta, and the ids in the store. */
  private static final class Replay implements WalBatchCodec.SignalVisitor {
    final EventIdStore ids;
    final MetricNames metricNames = new MetricNames();
    final RollupDelta delta;
    final Map<String, Set<String>> changed = new HashMap<>();
    private final IdBuffer replayedIds;
    private final long today;
    private final int retentionDays;
    long sequence;

    Replay(EventIdStore ids, long checkpointId, long today, int retentionDays) {
      this.ids = ids;
      this.delta = new RollupDelta(checkpointId, metricNames);
      this.replayedIds = new IdBuffer(ids);
      this.today = today;
      this.retentionDays = retentionDays;
    }

    @Override
    public void signal(
        long ingestionDay, long idHigh, long idLow, String accountId, String metric, boolean isLabel,
        double number, String label, long occurredAtMillis, long userHash) {
      // The store may have lost the ids written after its last sync; these segments hold them all.
      if (today - ingestionDay <= retentionDays) {
        try {
          replayedIds.add(EventIdStore.key(idHigh, idLow), ingestionDay);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      // Logged signals were accepted when written: apply them even if the store knows their ids.
      delta.add(accountId, metric, isLabel, number, label, occurredAtMillis, userHash, sequence++);
      changed.computeIfAbsent(accountId, a -> new HashSet<>()).add(metric);
    }

    void writeIds() throws IOException {
      replayedIds.write();
    }
  }

  /**
   * Stores a batch durably: returns once the accepted signals are synced to the log, so they survive
   * kill -9. Signals whose event id was seen before (in an earlier batch, or earlier in this one) are
   * dropped and flagged. Thread-safe; concurrent callers share syncs.
   *
   * @throws ResourceExhaustedException when checkpoints fall behind (more than maxHotRollups rollups,
   *     or more than their share of the memory budget, wait in memory even after waiting up to one
   *     checkpoint interval); retry later
   * @throws UnavailableException when the engine stopped (a log write failed, or one of its threads
   *     died): fails at once, the process needs a restart
   * @throws IllegalStateException when the engine is closed
   */
  public IngestResult ingest(List<SignalRecord> signals) {
    return ingest(signals, false);
  }

  /**
   * As {@link #ingest(List)}; signals that would pass a limit (metrics per account, users per metric
   * and day) are refused and listed in the result, the others stored. An {@code atomic} batch with
   * any refusal stores nothing.
   */
  public IngestResult ingest(List<SignalRecord> signals, boolean atomic) {
    return ingest(signals, atomic, () -> false);
  }

  /**
   * As {@link #ingest(List, boolean)} for a caller that may give up: once {@code callerGone} is
   * true the batch is no longer logged (checked after any wait for capacity and by the writer just
   * before the batch goes into the log). A batch that is logged is stored and answered as usual.
   *
   * @throws DeadlineExceededException when the caller gave up before the batch was logged: nothing
   *     of it is stored, and its event ids stay free for a resend
   */
  public IngestResult ingest(List<SignalRecord> signals, boolean atomic, BooleanSupplier callerGone) {
    if (signals.isEmpty()) {
      return new IngestResult(0, 0, new boolean[0]);
    }
    checkHealthy();
    awaitCapacity();
    if (callerGone.getAsBoolean()) {
      meters.abandonedBatches.increment();
      throw callerGaveUp();
    }
    PreparedBatch batch = prepare(signals, atomic);
    batch.callerGone = callerGone;
    return submit(batch);
  }

  /**
   * On the calling thread: hashes and encodes the batch and looks its event ids up in the id store,
   * so that the log writer decides its duplicates in memory.
   */
  PreparedBatch prepare(List<SignalRecord> signals, boolean atomic) {
    PreparedBatch batch = PreparedBatch.prepare(signals, metricNames, hashing, atomic);
    try {
      dedup.lookUp(batch, Math.floorDiv(clock.millis(), MILLIS_PER_DAY));
    } catch (IOException e) {
      fail(e); // as a failed read on the writer: the store cannot tell duplicates any more
      throw stopped(e);
    }
    return batch;
  }

  /** Queues a prepared batch for the log writer and waits until it is stored (see {@link #ingest}). */
  IngestResult submit(PreparedBatch batch) {
    synchronized (queueLock) {
      if (closed) {
        throw new IllegalStateException("ingest engine is closed");
      }
      checkHealthy();
      queue.add(batch);
    }
    try {
      return batch.done.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException("ingest failed: " + cause.getMessage(), cause);
    }
  }

  private static DeadlineExceededException callerGaveUp() {
    return new DeadlineExceededException(
        "the call's deadline passed or its client cancelled before the batch was logged; nothing of it is stored");
  }

  private void checkHealthy() {
    Throwable f = failure;
    if (f != null) {
      throw stopped(f);
    }
  }

  private static UnavailableException stopped(Throwable f) {
    return new UnavailableException("signal ingest stopped (" + f + "); the service needs a restart", f);
  }

  /** Days after its arrival day an event id is remembered (HEALTHSCORE_DEDUP_RETENTION_DAYS). */
  public int dedupRetentionDays() {
    return settings.dedupRetentionDays();
  }

  /**
   * The first UTC arrival day the dedup window holds now, by the clock that dates arrivals: an id
   * that arrived on it or later is still recognized, one that arrived before it is forgotten.
   */
  public LocalDate firstDayOfDedupWindow() {
    return LocalDate.ofEpochDay(Math.floorDiv(clock.millis(), MILLIS_PER_DAY) - settings.dedupRetentionDays());
  }

  /** Whether the engine still works: false for good once a log write failed or a thread died. */
  public boolean healthy() {
    return failure == null;
  }

  /** Runs {@code onFailure} (once, on the failing thread) when the engine stops working. */
  public void onFailure(Consumer<Throwable> onFailure) {
    failureListeners.add(onFailure);
    Throwable f = failure;
    if (f != null) {
      onFailure.accept(f);
    }
  }

  /**
   * Stops the engine for good: later and queued batches fail at once with UNAVAILABLE, and the
   * failure listeners hear of it (health turns NOT_SERVING). What was synced stays in the log.
   */
  private void fail(Throwable cause) {
    synchronized (queueLock) {
      if (failure != null) {
        return;
      }
      failure = cause;
      List<PreparedBatch> queued = new ArrayList<>();
      queue.drainTo(queued);
      for (PreparedBatch b : queued) {
        if (b == END_OF_INPUT) {
          queue.add(b);
        } else {
          b.done.completeExceptionally(stopped(cause));
        }
      }
    }
    LOG.error("signal ingest stopped", cause);
    for (Consumer<Throwable> l : failureListeners) {
      try {
        l.accept(cause);
      } catch (RuntimeException e) {
        LOG.warn("ingest failure listener failed", e);
      }
    }
  }

  private void awaitCapacity() {
    if (hasRoom()) {
      return;
    }
    requestCheckpoint();
    long deadline = System.nanoTime() + settings.checkpointInterval().toNanos();
    synchronized (capacity) {
      long left;
      while (!hasRoom() && (left = deadline - System.nanoTime()) > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(capacity, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    if (hotRollups() > settings.maxHotRollups()) {
      throw new ResourceExhaustedException(
          "signal ingest is behind: " + hotRollups() + " rollups wait for a checkpoint (limit "
              + settings.maxHotRollups() + "); retry later",
          settings.checkpointInterval());
    }
    if (hotBytes() > settings.maxHotBytes()) {
      throw new ResourceExhaustedException(
          "signal ingest is behind: about " + hotBytes() / (1 << 20) + " MiB of rollups and users wait"
              + " for a checkpoint (limit " + settings.maxHotBytes() / (1 << 20) + " MiB, from "
              + IngestSettings.MEMORY_BUDGET + "); retry later",
          settings.checkpointInterval());
    }
  }

  /** Whether memory holds less than its bounds, so a batch may go in. */
  private boolean hasRoom() {
    return hotRollups() <= settings.maxHotRollups() && hotBytes() <= settings.maxHotBytes();
  }

  private long hotBytes() {
    return activeBytes + frozenBytes;
  }

  private int hotRollups() {
    return activeRollups + frozenRollups;
  }

  private void writeLoop() {
    List<PreparedBatch> group = new ArrayList<>();
    while (true) {
      group.clear();
      try {
        group.add(queue.take());
      } catch (InterruptedException e) {
        continue; // only END_OF_INPUT stops the writer, so that no caller waits forever
      }
      queue.drainTo(group);
      boolean end = group.remove(END_OF_INPUT);
      try {
        if (!group.isEmpty()) {
          writeGroup(group);
        }
      } catch (Throwable t) { // OutOfMemoryError included: nobody may be left waiting
        fail(t);
        group.forEach(b -> b.done.completeExceptionally(stopped(t)));
      }
      if (end) {
        return;
      }
    }
  }

  private void writeGroup(List<PreparedBatch> group) {
    synchronized (walLock) {
      Throwable f = failure;
      if (f != null) {
        group.forEach(b -> b.done.completeExceptionally(stopped(f)));
        return;
      }
      List<PreparedBatch> refusedWhole = null;
      List<PreparedBatch> setAside = null;
      IngestLimits.Admission admission = new IngestLimits.Admission();
      try {
        long day = Math.floorDiv(clock.millis(), MILLIS_PER_DAY);
        groupBuffer.clear();
        DedupWindow.Group groupIds = dedup.group(group, day);
        for (PreparedBatch batch : group) {
          if (batch.callerGone.getAsBoolean()) {
            // Its caller has stopped waiting: logging it now would be work nobody gets an answer for.
            setAside = setAside == null ? new ArrayList<>() : setAside;
            setAside.add(batch);
            meters.abandonedBatches.increment();
            batch.done.completeExceptionally(callerGaveUp());
            continue;
          }
          int mark = admission.mark();
          try {
            batch.refusals = limits.check(batch, admission);
          } catch (DatabaseException e) {
            // The store is down: this batch cannot be checked now, the engine goes on.
            admission.undoTo(mark);
            setAside = setAside == null ? new ArrayList<>() : setAside;
            setAside.add(batch);
            batch.done.completeExceptionally(
                new UnavailableException("cannot check the ingest limits, the SQL store is unavailable ("
                    + e.getMessage() + "); retry later", e));
            continue;
          }
          if (batch.atomic && !batch.refusals.isEmpty()) {
            admission.undoTo(mark);
            refusedWhole = refusedWhole == null ? new ArrayList<>() : refusedWhole;
            refusedWhole.add(batch);
            continue;
          }
          groupIds.markDuplicates(batch);
          WalBatchCodec.append(groupBuffer, batch, day);
        }
        if (setAside != null) {
          group.removeAll(setAside);
        }
        if (refusedWhole != null) {
          group.removeAll(refusedWhole);
          for (PreparedBatch b : refusedWhole) {
            meters.refusedByLimit.increment(b.refusals.size());
            b.done.complete(new IngestResult(0, 0, new boolean[b.size()], b.refusals));
          }
        }
        if (group.isEmpty()) {
          return;
        }
        wal.write(groupBuffer.array(), groupBuffer.size());
        long started = System.nanoTime();
        wal.sync();
        meters.walSync.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        // Only now: an id the store knows must belong to a signal the log holds.
        dedup.logged(groupIds, day);
        if (wal.segmentBytes() >= settings.walSegmentBytes()) {
          wal.roll();
        }
      } catch (IOException | RuntimeException e) {
        // What was written may not be durable while its ids are marked seen: stop rather than
        // acknowledge anything further. A restart recovers from the log.
        fail(e);
        group.forEach(b -> b.done.completeExceptionally(stopped(e)));
        return;
      }
      synchronized (deltaLock) {
        for (PreparedBatch batch : group) {
          apply(batch);
          limits.logged(batch);
        }
        activeRollups = active.rollupCount();
        activeBytes = active.estimatedBytes();
      }
      if (activeRollups > settings.maxHotRollups() / 2 || activeBytes > settings.maxHotBytes() / 2) {
        requestCheckpoint();
      }
      // Told while the log is still held, so a checkpoint cannot delete segments before the
      // listener heard of them.
      for (PreparedBatch batch : group) {
        if (batch.accepted() == 0) {
          continue;
        }
        try {
          listener.onSignals(batch.acceptedMetricsByAccount());
        } catch (RuntimeException e) {
          LOG.warn("change listener failed; signals are stored", e);
        }
      }
    }
    for (PreparedBatch batch : group) {
      meters.ingested.increment(batch.accepted());
      meters.duplicates.increment(batch.duplicates);
      meters.refusedByLimit.increment(batch.refusedCount);
      batch.done.complete(
          new IngestResult(batch.accepted(), batch.duplicates, batch.duplicate, batch.refusals));
    }
  }

  /** Adds the batch's new signals to the active rollups, looking up each account once per batch. */
  @GuardedBy("deltaLock")
  private void apply(PreparedBatch batch) {
    List<HashMap<String, MetricDays>> rollupsByRef =
        new ArrayList<>(Collections.nCopies(batch.strings.length, null));
    for (int i = 0; i < batch.size(); i++) {
      if (batch.dropped(i)) {
        continue;
      }
      int account = batch.accountRefs[i];
      HashMap<String, MetricDays> metrics = rollupsByRef.get(account);
      if (metrics == null) {
        metrics = active.metricsOf(batch.strings[account]);
        rollupsByRef.set(account, metrics);
      }
      SignalRecord s = batch.signals.get(i);
      active.add(metrics, batch.strings[batch.metricRefs[i]], s.isLabel(), s.number(), s.label(),
          s.occurredAtMillis(), batch.userHashes[i], sequence++);
    }
  }

  /**
   * Rollups of the account with a day in [from, to): the stored rows merged with what is in memory,
   * ordered by metric, then day.
   */
  public List<DailyRollup> rollups(String accountId, long fromEpochDayInclusive, long toEpochDayExclusive) {
    return read(accountId, fromEpochDayInclusive, toEpochDayExclusive, toEpochDayExclusive).rollups();
  }

  /**
   * Exact number of distinct users (non-empty user ids) of the account over the days [fromDay,
   * toDayExclusive), of one metric or, when {@code metricOrNull} is null, of all: the union of the
   * per-day user sets, stored and in memory.
   */
  public long distinctUsers(String accountId, String metricOrNull, long fromDay, long toDayExclusive) {
    return read(accountId, fromDay, toDayExclusive, fromDay).distinctUsers(metricOrNull, fromDay, toDayExclusive);
  }

  /**
   * Rollups of the account with a day in [from, to), as {@link #rollups}, together with the user
   * sets of the days from {@code usersFromDay} on, in one read.
   */
  public AccountRollups read(
      String accountId, long fromEpochDayInclusive, long toEpochDayExclusive, long usersFromDay) {
    return readAll(List.of(new RollupRead(accountId, fromEpochDayInclusive, toEpochDayExclusive, usersFromDay)))
        .get(accountId);
  }

  /**
   * One account of {@link #readAll}: its rollups of the metrics {@code wanted} with a day in
   * [fromDay, toDay) and the user sets of the days from {@code usersFromDay} on.
   */
  public record RollupRead(String accountId, long fromDay, long toDay, long usersFromDay, Predicate<String> wanted) {
    /** Every metric's rollups. */
    public RollupRead(String accountId, long fromDay, long toDay, long usersFromDay) {
      this(accountId, fromDay, toDay, usersFromDay, metric -> true);
    }
  }

  /**
   * {@link #read} of many accounts (distinct ids) at once, by id: the in-memory deltas of all of
   * them in one pass under the lock, then their stored rows in one transaction of a few statements
   * (bulk reads spend most of their time on per-account SQL round trips otherwise).
   */
  public Map<String, AccountRollups> readAll(List<RollupRead> reads) {
    // Memory first, then SQL: a checkpoint that commits in between is then seen in SQL, and its
    // checkpoint id on the rows tells which in-memory changes they already contain.
    List<Long> deltaIds = new ArrayList<>();
    List<List<List<HotRollup>>> deltasByRead = new ArrayList<>(reads.size());
    synchronized (deltaLock) {
      for (FrozenInterval f : frozen) {
        deltaIds.add(f.delta().checkpointId);
      }
      deltaIds.add(active.checkpointId);
      for (RollupRead r : reads) {
        List<List<HotRollup>> deltas = new ArrayList<>(deltaIds.size());
        for (FrozenInterval f : frozen) {
          deltas.add(f.delta().copies(r.accountId(), r.fromDay(), r.toDay(), r.wanted()));
        }
        deltas.add(active.copies(r.accountId(), r.fromDay(), r.toDay(), r.wanted()));
        deltasByRead.add(deltas);
      }
    }
    List<RollupStore.Request> requests = new ArrayList<>(reads.size());
    for (int i = 0; i < reads.size(); i++) {
      RollupRead r = reads.get(i);
      List<RollupStore.Key> withUsers = new ArrayList<>();
      for (List<HotRollup> delta : deltasByRead.get(i)) {
        for (HotRollup hot : delta) {
          if (hot.users != null && hot.epochDay < r.usersFromDay()) {
            withUsers.add(new RollupStore.Key(hot.metric, hot.epochDay));
          }
        }
      }
      requests.add(
          new RollupStore.Request(r.accountId(), r.fromDay(), r.toDay(), r.usersFromDay(), withUsers, r.wanted()));
    }
    Map<String, RollupStore.Snapshot> stored = store.readAll(requests);
    Map<String, AccountRollups> result = new HashMap<>(2 * reads.size());
    for (int i = 0; i < reads.size(); i++) {
      RollupRead r = reads.get(i);
      result.put(r.accountId(), merge(r, stored.get(r.accountId()), deltaIds, deltasByRead.get(i)));
    }
    return result;
  }

  /**
   * The account's stored rows with the in-memory deltas they do not contain yet, merged into the
   * snapshot's own blocks (they are this read's). A row made from memory alone carries checkpoint 0,
   * below every delta's id, so the test below skips only deltas a stored row already holds.
   */
  private static AccountRollups merge(
      RollupRead read, RollupStore.Snapshot stored, List<Long> deltaIds, List<List<HotRollup>> deltas) {
    // Whole user sets (stored plus memory) of the rollups that need them; the stored ones are
    // private copies, merged into in place.
    Map<RollupStore.Key, LongHashSet> users = new HashMap<>();
    for (int d = 0; d < deltas.size(); d++) {
      long deltaId = deltaIds.get(d);
      for (HotRollup hot : deltas.get(d)) {
        StoredRollup before = stored.get(hot.metric, hot.epochDay);
        if (before != null && before.checkpointId() >= deltaId) {
          continue; // this delta is already in the stored row
        }
        stored.put(before == null ? StoredRollup.of(hot) : before.followedBy(hot, before.distinctUsers()));
        if (hot.users != null) {
          RollupStore.Key key = new RollupStore.Key(hot.metric, hot.epochDay);
          LongHashSet set = users.get(key);
          if (set == null) {
            set = stored.users().getOrDefault(key, new LongHashSet());
            users.put(key, set);
          }
          set.addAll(hot.users);
        }
      }
    }
    stored.users().forEach(users::putIfAbsent);
    // Distinct users from the whole sets: a lookup per user set, not per rollup (most have none).
    users.forEach((key, set) -> {
      StoredRollup r = stored.get(key.metric(), key.epochDay());
      if (r != null) {
        stored.put(r.withDistinctUsers(set.size()));
      }
    });
    List<DailyRollup> result = new ArrayList<>();
    stored.forEachInOrder(r -> result.add(r.toDailyRollup(read.accountId())));
    users.keySet().removeIf(k -> k.epochDay() < read.usersFromDay());
    return new AccountRollups(result, users, read.usersFromDay());
  }

  /** What the limits read, on the writer thread (which holds walLock, so {@code active} stays). */
  private final class LimitsState implements IngestLimits.State {
    @Override
    public Set<String> metrics(String accountId) {
      return IngestEngine.this.metrics(accountId);
    }

    @Override
    public LongHashSet users(String accountId, String metric, long epochDay) {
      LongHashSet all = new LongHashSet();
      synchronized (deltaLock) { // memory first, then SQL, as in read()
        for (FrozenInterval f : frozen) {
          addUsers(all, f.delta().find(accountId, metric, epochDay));
        }
        addUsers(all, active.find(accountId, metric, epochDay));
      }
      all.addAll(store.users(accountId, metric, epochDay));
      return all;
    }

    private void addUsers(LongHashSet all, HotRollup r) {
      if (r != null && r.users != null) {
        all.addAll(r.users);
      }
    }

    @Override
    public LongHashSet activeUsers(String accountId, String metric, long epochDay) {
      // The checkpoint thread swaps the active delta under deltaLock; read it under the same lock.
      synchronized (deltaLock) {
        HotRollup r = active.find(accountId, metric, epochDay);
        return r == null ? null : r.users;
      }
    }
  }

  /** Every metric the account has received, sorted. */
  public Set<String> metrics(String accountId) {
    TreeSet<String> metrics = new TreeSet<>();
    synchronized (deltaLock) {
      for (FrozenInterval f : frozen) {
        metrics.addAll(f.delta().metrics(accountId));
      }
      metrics.addAll(active.metrics(accountId));
    }
    metrics.addAll(store.metrics(accountId));
    return metrics;
  }

  /**
   * Syncs the newly seen event ids, writes the rollups changed since the last checkpoint, lets the
   * listener flush and deletes the log segments now covered; drops the id days past the window. Runs every checkpoint interval on
   * its own thread; callable directly (tests, shutdown).
   */
  public void checkpoint() {
    synchronized (checkpointLock) {
      long started = System.nanoTime();
      try {
        cutInterval();
        List<FrozenInterval> intervals;
        synchronized (deltaLock) {
          intervals = new ArrayList<>(frozen);
        }
        long today = Math.floorDiv(clock.millis(), MILLIS_PER_DAY);
        if (!intervals.isEmpty()) {
          writeIntervals(intervals);
        }
        synchronized (walLock) {
          ids.expire(today, settings.dedupRetentionDays());
          rememberedIds = ids.estimatedIds();
        }
      } catch (IOException e) {
        meters.checkpointFailures.increment();
        throw new UncheckedIOException("checkpoint failed: " + e.getMessage(), e);
      } catch (RuntimeException e) {
        meters.checkpointFailures.increment();
        throw e;
      } finally {
        meters.checkpoint.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      }
    }
  }

  /**
   * Ids first (once the id writer wrote every id the intervals logged, the store is synced), then the
   * listener's flush (it heard of every signal of them too), then rollups and the new replay start
   * in one transaction, then the log goes. Once the replay start moves the intervals are never
   * replayed, so their ids and change notifications must be persisted before it does.
   */
  private void writeIntervals(List<FrozenInterval> intervals) throws IOException {
    FrozenInterval last = intervals.get(intervals.size() - 1);
    dedup.awaitWritten(last.lastIdGroup());
    ids.sync();
    listener.flush();
    RollupStore.Written written =
        store.write(
            intervals.stream().map(FrozenInterval::delta).toList(),
            new RollupStore.Checkpoint(last.delta().checkpointId, last.replayFromSegment()),
            limits.largeUserSet());
    if (!written.largeUserSets().isEmpty()) {
      synchronized (walLock) {
        limits.largeUserSets(written.largeUserSets());
      }
    }
    List<RollupStore.RefusedBlock> refused = written.refused();
    if (!refused.isEmpty()) {
      meters.refusedRollups.increment(refused.size());
      RollupStore.RefusedBlock first = refused.get(0);
      LOG.error(
          "checkpoint left out " + refused.size() + " block(s) of rollups the database refused, first: account '"
              + first.accountId() + "', metric '" + first.metric() + "', days " + first.blockStart() + " to "
              + (first.blockStart() + RollupBlockCodec.DAYS - 1) + ": " + first.reason());
    }
    synchronized (deltaLock) {
      frozen.clear();
      frozenRollups = 0;
      frozenBytes = 0;
    }
    synchronized (capacity) {
      capacity.notifyAll();
    }
    wal.deleteBefore(last.replayFromSegment());
  }

  /**
   * Ends the current interval: the log continues in a new segment and a new delta, so the frozen
   * delta covers exactly the segments before it.
   */
  private void cutInterval() throws IOException {
    synchronized (walLock) {
      if (failure != null) {
        return; // the log is unusable; what was applied is still written below
      }
      synchronized (deltaLock) {
        if (active.isEmpty()) {
          return;
        }
      }
      try {
        wal.roll();
      } catch (IOException | RuntimeException e) {
        fail(e); // the log cannot continue; what it holds is replayed at the next start
        throw e;
      }
      synchronized (deltaLock) {
        frozen.add(new FrozenInterval(active, wal.segment(), dedup.lastLogged()));
        frozenRollups += active.rollupCount();
        frozenBytes += active.estimatedBytes();
        active = new RollupDelta(active.checkpointId + 1, metricNames);
        activeRollups = 0;
        activeBytes = 0;
      }
    }
  }

  private void requestCheckpoint() {
    if (checkpointRequested.compareAndSet(false, true)) {
      try {
        checkpointer.execute(
            () -> {
              checkpointRequested.set(false);
              checkpointQuietly();
            });
      } catch (RuntimeException e) {
        checkpointRequested.set(false); // shutting down
      }
    }
  }

  private void checkpointQuietly() {
    try {
      checkpoint();
      checkpointFailures.succeeded();
    } catch (RuntimeException e) {
      checkpointFailures.failed(e);
    } catch (Throwable t) {
      // An Error would silently cancel the schedule: checkpoints would stop for good.
      fail(t);
    }
  }

  /** Stops accepting batches, finishes the queued ones, checkpoints and closes the log. */
  @Override
  public void close() {
    synchronized (queueLock) {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(END_OF_INPUT);
    }
    boolean interrupted = false;
    while (writer.isAlive()) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    checkpointer.shutdown(); // lets a running checkpoint finish, cancels the schedule
    try {
      checkpointer.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      interrupted = true;
    }
    try {
      checkpoint();
    } catch (RuntimeException e) {
      LOG.warn("final checkpoint failed; the write-ahead log keeps the signals", e);
    } finally {
      try {
        synchronized (walLock) {
          wal.close();
        }
      } catch (IOException e) {
        LOG.warn("closing the write-ahead log failed", e);
      } finally {
        dedup.close();
        ids.close();
      }
      meters.remove();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
