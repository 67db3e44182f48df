package io.healthscore.scoring.replica;

import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.logging.FailureLog;
import io.healthscore.scoring.cache.ScoreCache;
import io.healthscore.scoring.cache.ScoreKey;
import io.healthscore.scoring.scoring.ModelRegistry;
import io.healthscore.scoring.scoring.ScorecardAdmin;
import io.healthscore.scoring.store.CacheNotices;
import io.healthscore.scoring.store.ModelStore;
import io.healthscore.scoring.store.OverrideStore;
import io.healthscore.scoring.store.ScoreChangeLog;
import io.healthscore.scoring.upstream.AccountDirectory;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this replica's memory in step with what the other replicas sharing its database change:
 * polls the cache notices they append (in id order, from where it stood) and drops or reloads what
 * they name, the cached scores, overrides, scorecards, models and accounts; and it makes WatchScores
 * streams here read the score changes the others commit. A gap in the notice ids (retention ran
 * past this replica) reloads everything.
 */
public final class ReplicaSync implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaSync.class);
  /** How often the other replicas' changes are read (default 250ms). */
  public static final String POLL_INTERVAL = "HEALTHSCORE_REPLICA_POLL_INTERVAL";
  private static final int PAGE = 500;

  private final CacheNotices notices;
  private final ScoreChangeLog changes;
  private final ScoreCache cache;
  private final OverrideStore overrides;
  private final ScorecardAdmin scorecards;
  private final ModelStore modelStore;
  private final ModelRegistry models;
  private final AccountDirectory directory;
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("replica-sync"));
  private final FailureLog pollFailures = new FailureLog(LOG, "following the other replicas' changes");
  /** The id of the last notice applied; only the poller's thread touches it after start. */
  private long position;

  public ReplicaSync(
      CacheNotices notices,
      ScoreChangeLog changes,
      ScoreCache cache,
      OverrideStore overrides,
      ScorecardAdmin scorecards,
      ModelStore modelStore,
      ModelRegistry models,
      AccountDirectory directory) {
    this.notices = notices;
    this.changes = changes;
    this.cache = cache;
    this.overrides = overrides;
    this.scorecards = scorecards;
    this.modelStore = modelStore;
    this.models = models;
    this.directory = directory;
  }

  /**
   * Starts from the newest notice, then polls every {@code every}. What was loaded before (at start)
   * may predate that notice, so it is loaded again once here.
   */
  public void start(Duration every) {
    position = notices.lastId();
    reloadAll();
    poller.scheduleWithFixedDelay(
        () -> pollFailures.attempt(this::poll), every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Applies the notices of other replicas committed since the last poll; returns how many. */
  public int poll() {
    changes.refresh();
    int applied = 0;
    while (true) {
      List<CacheNotices.Entry> page = notices.after(position, PAGE);
      if (page.isEmpty()) {
        return applied;
      }
      if (page.get(0).id() != position + 1) {
        LOG.warn("cache notices after {} were pruned before this replica read them; reloading everything", position);
        reloadAll();
      }
      for (CacheNotices.Entry entry : page) {
        if (!entry.origin().equals(notices.origin())) {
          apply(entry.notices());
          applied++;
        }
        position = entry.id();
      }
    }
  }

  private void apply(List<CacheNotices.Notice> batch) {
    Set<String> accounts = new LinkedHashSet<>();
    for (CacheNotices.Notice n : batch) {
      switch (n.kind()) {
        case SCORE -> cache.invalidate(new ScoreKey(n.accountId(), n.scorecardId()));
        case OVERRIDE -> overrides.reload(n.accountId(), n.scorecardId());
        case SCORECARD -> scorecards.installLatest(n.scorecardId());
        case MODELS -> models.reload(modelStore);
        case ACCOUNT -> accounts.add(n.accountId());
      }
    }
    if (!accounts.isEmpty()) {
      directory.refreshAll(accounts); // fails (and is retried) while signals-service is out
    }
  }

  private void reloadAll() {
    scorecards.loadStored();
    models.reload(modelStore);
    overrides.reloadAll();
    cache.invalidateAll();
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
