package io.healthscore.signals.ingest;

import io.healthscore.runtime.concurrent.DaemonThreads;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Decides which event ids are new so that the single log writer only checks ids in memory: the
 * calling threads look their batch up in the {@link EventIdStore} before queueing it, and the ids of
 * each logged group are written to the store by a thread of its own.
 *
 * <p>A caller's lookup can miss an id logged after it began: a concurrent batch's id not yet written
 * to the store, or written after the lookup read. So the new ids of each logged group stay in memory
 * ({@link EventIdSet}), numbered in log order, and a batch carries the number of the last group the
 * store held when its lookup began; the writer checks the batch against every group after that one.
 * The groups already in the store are kept up to {@link #RETAINED_GROUPS} groups and {@link
 * #RETAINED_IDS} ids; a batch looked up before the oldest kept is looked up again by the writer.
 * Two batches with the same id thus store it once, however their lookups and writes interleave.
 *
 * <p>Durability is the engine's: ids are written after the log synced their group, without a sync;
 * a checkpoint waits for them ({@link #awaitWritten}) and syncs the store before the replay start
 * moves past their segments, and replay writes the ids of the segments after it again.
 */
final class DedupWindow implements AutoCloseable {
  static final int RETAINED_GROUPS = 64;
  static final int RETAINED_IDS = 1 << 18;
  /** Logged ids the store may be behind before the log writer waits for it (a few MiB of heap). */
  static final int MAX_UNWRITTEN_IDS = 1 << 17;
  private static final long POLL_MILLIS = 100;

  private record Logged(long number, EventIdSet ids) {}

  private record Write(long number, long day, List<byte[]> keys) {}

  private static final Write END = new Write(-1, 0, List.of());

  private final EventIdStore store;
  private final int retentionDays;
  private final Consumer<Throwable> onFailure;
  private final LinkedBlockingQueue<Write> writes = new LinkedBlockingQueue<>();
  private final AtomicLong unwrittenIds = new AtomicLong();
  private final Thread idWriter;
  private final Object progress = new Object();
  /** The last group whose ids the store holds. */
  private volatile long written;
  private volatile Throwable writeFailure;
  /** The last group handed to the id writer; advanced by the log writer only. */
  private volatile long logged;

  // The log writer's alone.
  private final ArrayDeque<Logged> recent = new ArrayDeque<>();
  private long recentIds;
  /** Groups up to this one are no longer in {@code recent}. */
  private long forgottenThrough;

  /** Starts the id writer; {@code onFailure} hears (on that thread) of a write that failed. */
  DedupWindow(EventIdStore store, int retentionDays, Consumer<Throwable> onFailure) {
    this.store = store;
    this.retentionDays = retentionDays;
    this.onFailure = onFailure;
    this.idWriter = DaemonThreads.named("signals-ingest-id-writer").newThread(this::writeLoop);
    idWriter.start();
  }

  /**
   * On the calling thread: looks the batch's ids up in the store (one batched read over the
   * window's days), noting which groups the store held when it began.
   */
  void lookUp(PreparedBatch batch, long today) throws IOException {
    if (batch.idKeys == null) {
      List<byte[]> keys = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        keys.add(EventIdStore.key(batch.idHashes[2 * i], batch.idHashes[2 * i + 1]));
      }
      batch.idKeys = keys;
    }
    long through = written; // read first: every group up to it is visible to the lookup below
    batch.inStore = store.seen(batch.idKeys, today, retentionDays);
    batch.lookedUpThrough = through;
  }

  /**
   * On the log writer: the decisions of one group; first looks up again the batches whose lookup
   * predates the groups kept in memory.
   */
  Group group(List<PreparedBatch> batches, long today) throws IOException {
    for (PreparedBatch batch : batches) {
      if (batch.inStore == null || batch.lookedUpThrough < forgottenThrough) {
        lookUp(batch, today);
      }
    }
    return new Group();
  }

  /** The new ids of one group, first seen in it. */
  final class Group {
    private final EventIdSet ids = new EventIdSet();
    private final List<byte[]> keys = new ArrayList<>();

    /**
     * Flags the batch's signals whose id the store held at its lookup, a group logged since then
     * holds, or an earlier batch of this group had; the other ids are this group's.
     */
    void markDuplicates(PreparedBatch batch) {
      List<EventIdSet> since = loggedAfter(batch.lookedUpThrough);
      for (int i = 0; i < batch.size(); i++) {
        if (batch.refused[i]) {
          continue; // not stored, so its id stays free for a corrected resend
        }
        long high = batch.idHashes[2 * i];
        long low = batch.idHashes[2 * i + 1];
        if (!batch.inStore[i] && !anyContains(since, high, low) && ids.add(high, low)) {
          keys.add(batch.idKeys.get(i));
        } else {
          batch.duplicate[i] = true;
          batch.duplicates++;
        }
      }
    }
  }

  private List<EventIdSet> loggedAfter(long through) {
    List<EventIdSet> after = new ArrayList<>();
    for (Iterator<Logged> it = recent.descendingIterator(); it.hasNext(); ) {
      Logged group = it.next();
      if (group.number() <= through) {
        break;
      }
      after.add(group.ids());
    }
    return after;
  }

  private static boolean anyContains(List<EventIdSet> sets, long high, long low) {
    for (EventIdSet set : sets) {
      if (set.contains(high, low)) {
        return true;
      }
    }
    return false;
  }

  /**
   * On the log writer, once the log synced {@code group}: hands its ids (arrived on {@code day}) to
   * the id writer and keeps them in memory meanwhile. Waits first while the store is more than
   * {@value #MAX_UNWRITTEN_IDS} ids behind.
   *
   * @throws IOException when the id writer failed
   */
  void logged(Group group, long day) throws IOException {
    synchronized (progress) {
      while (unwrittenIds.get() > MAX_UNWRITTEN_IDS) {
        checkWriter();
        waitForProgress();
      }
    }
    long number = logged + 1;
    unwrittenIds.addAndGet(group.keys.size());
    writes.add(new Write(number, day, group.keys));
    logged = number;
    recent.add(new Logged(number, group.ids));
    recentIds += group.ids.size();
    long inStore = written;
    while (!recent.isEmpty()
        && recent.peekFirst().number() <= inStore
        && (recent.size() > RETAINED_GROUPS || recentIds > RETAINED_IDS)) {
      Logged forgotten = recent.removeFirst();
      recentIds -= forgotten.ids().size();
      forgottenThrough = forgotten.number();
    }
  }

  /** The last group handed to the id writer (read under the engine's log lock, at a cut). */
  long lastLogged() {
    return logged;
  }

  /** Waits until the store holds the ids of every group up to {@code number}. */
  void awaitWritten(long number) throws IOException {
    synchronized (progress) {
      while (written < number) {
        checkWriter();
        waitForProgress();
      }
    }
  }

  /** Waits (holding {@code progress}) until the id writer wrote a group or failed, or briefly. */
  private void waitForProgress() throws IOException {
    try {
      progress.wait(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for event ids to be written", e);
    }
  }

  private void checkWriter() throws IOException {
    Throwable f = writeFailure;
    if (f != null) {
      throw new IOException("the event id writer failed: " + f.getMessage(), f);
    }
  }

  private void writeLoop() {
    while (true) {
      Write write;
      try {
        write = writes.take();
      } catch (InterruptedException e) {
        continue; // only END stops it, so that no group is left unwritten
      }
      if (write == END) {
        return;
      }
      try {
        if (!write.keys().isEmpty()) {
          store.add(Map.of(write.day(), write.keys()));
        }
      } catch (Throwable t) { // OutOfMemoryError included: the log writer must not wait forever
        writeFailure = t;
        synchronized (progress) {
          progress.notifyAll();
        }
        onFailure.accept(t);
        return;
      }
      written = write.number();
      unwrittenIds.addAndGet(-write.keys().size());
      synchronized (progress) {
        progress.notifyAll();
      }
    }
  }

  /** Writes what was handed over, then stops the id writer; the store stays open. */
  @Override
  public void close() {
    boolean interrupted = false;
    writes.add(END);
    while (idWriter.isAlive()) {
      try {
        idWriter.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
