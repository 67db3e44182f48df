package io.healthscore.scoring.replica;

import io.healthscore.runtime.db.CacheNoticeFollower;
import io.healthscore.runtime.db.CacheNoticeLog;
import io.healthscore.scoring.cache.ScoreCache;
import io.healthscore.scoring.cache.ScoreKey;
import io.healthscore.scoring.feed.SharedFeedStatus;
import io.healthscore.scoring.scoring.ModelRegistry;
import io.healthscore.scoring.scoring.PortfolioMetrics;
import io.healthscore.scoring.scoring.ScorecardAdmin;
import io.healthscore.scoring.scoring.ScorecardRegistry;
import io.healthscore.scoring.store.CacheNotices;
import io.healthscore.scoring.store.DistributionStore;
import io.healthscore.scoring.store.ModelStore;
import io.healthscore.scoring.store.OverrideStore;
import io.healthscore.scoring.store.ScoreChangeLog;
import io.healthscore.scoring.upstream.AccountDirectory;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Keeps this replica's memory in step with what the other replicas sharing its database change:
 * polls the cache notices they append (in id order, from where it stood) and drops or reloads what
 * they name, the cached scores, overrides, scorecards, percentile distributions, models, accounts
 * the portfolio's metrics and the applying replica's view of the feed; and it makes WatchScores
 * streams here read the score changes the others commit. A gap in the notice ids (retention ran
 * past this replica) reloads everything.
 */
public final class ReplicaSync implements AutoCloseable {
  /** How often the other replicas' changes are read (default 250ms). */
  public static final String POLL_INTERVAL = CacheNoticeFollower.POLL_INTERVAL;

  private final ScoreCache cache;
  private final OverrideStore overrides;
  private final ScorecardAdmin scorecards;
  private final ModelStore modelStore;
  private final ModelRegistry models;
  private final AccountDirectory directory;
  private final PortfolioMetrics portfolio;
  private final DistributionStore distributionStore;
  private final ScorecardRegistry registry;
  private final SharedFeedStatus feedStatus;
  private final CacheNoticeFollower follower;

  public ReplicaSync(
      CacheNotices notices,
      ScoreChangeLog changes,
      ScoreCache cache,
      OverrideStore overrides,
      ScorecardAdmin scorecards,
      ModelStore modelStore,
      ModelRegistry models,
      AccountDirectory directory,
      PortfolioMetrics portfolio,
      DistributionStore distributionStore,
      ScorecardRegistry registry,
      SharedFeedStatus feedStatus) {
    this.cache = cache;
    this.feedStatus = feedStatus;
    this.portfolio = portfolio;
    this.distributionStore = distributionStore;
    this.registry = registry;
    this.overrides = overrides;
    this.scorecards = scorecards;
    this.modelStore = modelStore;
    this.models = models;
    this.directory = directory;
    this.follower = new CacheNoticeFollower(notices.log(), changes::refresh, new CacheNoticeFollower.Target() {
      @Override
      public void apply(List<CacheNoticeLog.Notice> notices) {
        ReplicaSync.this.apply(notices.stream().map(CacheNotices.Notice::of).toList());
      }

      @Override
      public void reloadAll() {
        ReplicaSync.this.reloadAll();
      }
    });
  }

  /** Reloads what was loaded at start, then polls every {@code every}. */
  public void start(Duration every) {
    follower.start(every);
  }

  private void apply(List<CacheNotices.Notice> batch) {
    Set<String> accounts = new LinkedHashSet<>();
    boolean metrics = false;
    for (CacheNotices.Notice n : batch) {
      switch (n.kind()) {
        case SCORE -> cache.invalidate(new ScoreKey(n.accountId(), n.scorecardId()));
        case OVERRIDE -> overrides.reload(n.accountId(), n.scorecardId());
        case SCORECARD -> scorecards.installLatest(n.scorecardId());
        case MODELS -> models.reload(modelStore);
        case ACCOUNT -> accounts.add(n.accountId());
        case METRICS -> metrics = true;
        case DISTRIBUTIONS -> distributionStore.load(n.scorecardId())
            .ifPresent(d -> registry.setDistributions(n.scorecardId(), d));
        case FEED_STATUS -> feedStatus.reload();
      }
    }
    if (metrics) {
      portfolio.reload();
    }
    if (!accounts.isEmpty()) {
      directory.refreshAll(accounts); // fails (and is retried) while signals-service is out
    }
  }

  private void reloadAll() {
    scorecards.loadStored();
    models.reload(modelStore);
    overrides.reloadAll();
    portfolio.reload();
    distributionStore.all().forEach(registry::setDistributions);
    feedStatus.reload();
    cache.invalidateAll();
  }

  @Override
  public void close() {
    follower.close();
  }
}
