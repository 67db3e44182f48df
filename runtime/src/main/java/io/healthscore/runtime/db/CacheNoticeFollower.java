package io.healthscore.runtime.db;

import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.logging.FailureLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one replica's memory in step with what the other replicas sharing its database change:
 * polls the {@link CacheNoticeLog} in id order from where it stood, hands the notices of the
 * others to its {@link Target}, and asks it to reload everything when a gap in the ids shows that
 * retention pruned notices it had not read.
 */
public final class CacheNoticeFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CacheNoticeFollower.class);
  private static final int PAGE = 500;
  /** How often a replica reads the others' notices. */
  public static final String POLL_INTERVAL = "HEALTHSCORE_REPLICA_POLL_INTERVAL";
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);

  /** What the notices refresh. */
  public interface Target {
    /** Drops or reloads what the notices of one transaction name. */
    void apply(List<CacheNoticeLog.Notice> notices);

    /** Reloads everything: at start, and after notices were missed. */
    void reloadAll();
  }

  private final CacheNoticeLog log;
  private final Runnable beforeEachPoll;
  private final Target target;
  private final ScheduledExecutorService poller;
  private final FailureLog pollFailures = new FailureLog(LOG, "following the other replicas' changes");
  /** The id of the last notice applied; only the poller's thread touches it after start. */
  private long position;

  /** {@code beforeEachPoll} runs first at every poll (say, reading the others' stream entries). */
  public CacheNoticeFollower(CacheNoticeLog log, Runnable beforeEachPoll, Target target) {
    this.log = log;
    this.beforeEachPoll = beforeEachPoll;
    this.target = target;
    this.poller = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("replica-sync"));
  }

  /**
   * Starts from the newest notice, then polls every {@code every}. What was loaded before (at start)
   * may predate that notice, so it is loaded again once here.
   */
  public void start(Duration every) {
    position = log.lastId();
    target.reloadAll();
    poller.scheduleWithFixedDelay(
        () -> pollFailures.attempt(this::poll), every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Applies the notices of other replicas committed since the last poll; returns how many entries. */
  public int poll() {
    beforeEachPoll.run();
    int applied = 0;
    while (true) {
      List<CacheNoticeLog.Entry> page = log.after(position, PAGE);
      if (page.isEmpty()) {
        return applied;
      }
      if (page.get(0).id() != position + 1) {
        LOG.warn("cache notices after {} were pruned before this replica read them; reloading everything", position);
        target.reloadAll();
      }
      for (CacheNoticeLog.Entry entry : page) {
        if (!entry.origin().equals(log.origin())) {
          target.apply(entry.notices());
          applied++;
        }
        position = entry.id();
      }
    }
  }

  @Override
  public void close() {
    poller.shutdown(); // a poll in flight finishes; interrupting it mid-query gains nothing
    try {
      poller.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
