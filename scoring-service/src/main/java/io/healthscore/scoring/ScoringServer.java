package io.healthscore.scoring;

import io.grpc.ManagedChannel;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.FeedLease;
import io.healthscore.runtime.db.SqlDialect;
import io.healthscore.runtime.logging.FailureLog;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceBuilder;
import io.healthscore.runtime.server.ServiceServer;
import io.healthscore.scoring.api.LearningApi;
import io.healthscore.scoring.learn.TrainingJobs;
import com.google.protobuf.InvalidProtocolBufferException;
import io.healthscore.v1.CalibrationReport;
import java.util.OptionalDouble;
import io.healthscore.scoring.api.ScoringScopes;
import io.healthscore.scoring.api.ScoringServiceImpl;
import io.healthscore.scoring.cache.ScoreCache;
import io.healthscore.scoring.feed.SharedFeedStatus;
import io.healthscore.scoring.feed.SignalsFeedConsumer;
import io.healthscore.scoring.learn.ebm.EbmSettings;
import io.healthscore.scoring.replica.ReplicaSync;
import io.healthscore.scoring.rescore.RescoreJobs;
import io.healthscore.scoring.scorecard.ScorecardTemplates;
import io.healthscore.scoring.scorecard.ScorecardYaml;
import io.healthscore.scoring.scoring.IsolatingRecompute;
import io.healthscore.scoring.scoring.ModelDrift;
import io.healthscore.scoring.scoring.ModelRegistry;
import io.healthscore.scoring.scoring.OverrideExpiry;
import io.healthscore.scoring.scoring.PortfolioMetrics;
import io.healthscore.scoring.scoring.ScoreMetrics;
import io.healthscore.scoring.scoring.ScorecardAdmin;
import io.healthscore.scoring.scoring.ScorecardRegistry;
import io.healthscore.scoring.scoring.Scorer;
import io.healthscore.scoring.scoring.ScoringSettings;
import io.healthscore.scoring.scoring.SetAsideAccounts;
import io.healthscore.scoring.store.MetricCatalogStore;
import io.healthscore.scoring.store.CacheNotices;
import io.healthscore.scoring.store.DistributionStore;
import io.healthscore.scoring.store.FeedStatusStore;
import io.healthscore.scoring.store.ModelStore;
import io.healthscore.scoring.store.OverrideStore;
import io.healthscore.scoring.store.ScoreChangeLog;
import io.healthscore.scoring.store.ScoreHistoryStore;
import io.healthscore.scoring.store.ScoreStore;
import io.healthscore.scoring.store.ScorecardStore;
import io.healthscore.scoring.store.ScoringDatabase;
import io.healthscore.scoring.store.SetAsideStore;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.SignalsClient;
import io.healthscore.v1.Scorecard;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that builds scoring-service from its configuration and a channel to
 * signals-service; main and tests both use it.
 *
 * <p>Start-up: migrate the store, load the account directory, install scorecards from
 * HEALTHSCORE_CONFIG_DIR (a file whose content differs from the stored latest version becomes a
 * new version), install the "balanced" template as the default scorecard when no scorecard exists
 * at all, then follow the change feed from the stored cursor and serve.
 *
 * <p>Replicas on one PostgreSQL: the replica holding the feed's lease applies the change feed (and
 * the set-aside retries and override expiry that go with it); every replica serves, and follows
 * the others' changes through {@link ReplicaSync} (docs/decisions/008).
 */
public final class ScoringServer implements AutoCloseable {
  public static final String SERVICE_NAME = "scoring-service";
  public static final int DEFAULT_GRPC_PORT = 7002;
  public static final int DEFAULT_METRICS_PORT = 9102;
  /** The template installed as the default scorecard on a fresh install. */
  public static final String DEFAULT_TEMPLATE = "balanced";

  private static final Logger LOG = LoggerFactory.getLogger(ScoringServer.class);
  private final FailureLog setAsideRetryFailures = new FailureLog(LOG, "retry of set-aside accounts");
  private final FailureLog feedStatusFailures = new FailureLog(LOG, "storing the feed's state for the other replicas");
  private final FailureLog pruneFailures = new FailureLog(LOG, "pruning of score changes");
  private final FailureLog recentAucFailures = new FailureLog(LOG, "measuring the learned model on recent outcomes");
  /** Far longer than any replica takes to read them; one that falls further behind reloads everything. */
  private static final Duration NOTICE_RETENTION = Duration.ofHours(1);

  private final ServiceConfig config;
  private final Database database;
  private final Metrics metrics;
  private final ServiceServer server;
  private final ScorecardAdmin admin;
  private final ScorecardStore scorecardStore;
  private final ScorecardRegistry scorecards;
  private final AccountDirectory directory;
  private final FeedLease feedLease;
  private final SignalsFeedConsumer feed;
  private final SharedFeedStatus feedStatus;
  private final IsolatingRecompute recompute;
  private final RescoreJobs rescores;
  private final OverrideExpiry overrideExpiry;
  private final ScoreChangeLog changes;
  private final CacheNotices notices;
  private final ReplicaSync replicaSync;
  private final Duration replicaPoll;
  private final ScoringSettings settings;
  private final ModelDrift drift;
  private final LearningApi learning;
  private final Clock clock;
  private final ScheduledExecutorService housekeeping =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("score-changes-prune"));
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("set-aside-retry"));

  private ScoringServer(Builder b) {
    this.config = b.config();
    this.clock = b.clock();
    ManagedChannel signalsChannel = b.upstream(b.signalsChannel, config.signalsAddr());
    this.settings = ScoringSettings.from(config);
    this.metrics = new Metrics(SERVICE_NAME);
    this.database = ScoringDatabase.migrate(Database.open(config));
    String replicaId = FeedLease.replicaId(config);
    // Unique per process, also when a restart keeps the replica's id: a replica skips only its own notices.
    this.notices = new CacheNotices(database, replicaId + "/" + UUID.randomUUID().toString().substring(0, 8));
    this.scorecardStore = new ScorecardStore(database, notices);
    ScoreStore scores = new ScoreStore(database);
    ScoreHistoryStore history = new ScoreHistoryStore(database);
    OverrideStore overrides = new OverrideStore(database, notices);
    ModelStore modelStore = new ModelStore(database, notices);
    this.changes = new ScoreChangeLog(database);
    CursorStore cursors = new CursorStore(database);
    this.scorecards = new ScorecardRegistry();
    DistributionStore distributions = new DistributionStore(database, notices);
    distributions.all().forEach(scorecards::setDistributions); // what the last rescore built, before any restart
    ModelRegistry models = new ModelRegistry(modelStore);
    this.drift =
        new ModelDrift(
            models, metrics.registry(), clock, settings.recalibrationAge(), settings.recalibrationAucFloor(),
            modelId -> heldOutAuc(modelStore, modelId));
    models.reportDriftTo(drift);
    SignalsClient signals = new SignalsClient(signalsChannel, settings.signalsDeadline());
    this.directory = new AccountDirectory(signals);
    ScoreCache cache = new ScoreCache(settings.cacheSize(), metrics.registry());
    PortfolioMetrics portfolio = new PortfolioMetrics(new MetricCatalogStore(database, notices), clock);
    Scorer scorer =
        new Scorer(
            scorecards, models, directory, signals, scores, history, overrides, changes, notices,
            database.dialect() == SqlDialect.POSTGRESQL, cache, new ScoreMetrics(metrics.registry()), settings,
            portfolio, clock);
    this.admin = new ScorecardAdmin(scorecardStore, scorecards, clock);
    SetAsideAccounts setAside = new SetAsideAccounts(new SetAsideStore(database), clock, metrics.registry());
    this.recompute = new IsolatingRecompute(scorer, setAside, directory);
    this.rescores =
        new RescoreJobs(
            directory, scorer, recompute, scores, scorecards, distributions, clock, settings.distributionSample());
    // Accounts scored before the portfolio was seen to send a milestone metric counted it as not
    // sent; rescore them once it appears.
    portfolio.onFirstSeen(
        fresh -> {
          if (scorecards.all().stream().anyMatch(c -> c.milestoneMetrics().stream().anyMatch(fresh::contains))) {
            rescores.start("");
          }
        });
    this.feedLease =
        new FeedLease(database, SignalsFeedConsumer.CONSUMER, replicaId, config.getDuration(FeedLease.TTL, FeedLease.DEFAULT_TTL));
    feedLease.reportTo(metrics.registry());
    this.feed =
        new SignalsFeedConsumer(
            signals, cursors, feedLease, notices, directory, recompute, portfolio, settings.signalsDeadline(),
            metrics.registry());
    this.feedStatus = new SharedFeedStatus(feed, new FeedStatusStore(database, notices));
    this.replicaSync =
        new ReplicaSync(
            notices, changes, cache, overrides, admin, modelStore, models, directory, portfolio, distributions, scorecards,
            feedStatus);
    this.replicaPoll = config.getDuration(ReplicaSync.POLL_INTERVAL, Duration.ofMillis(250));
    this.overrideExpiry = new OverrideExpiry(overrides, scorecards, directory, scorer);
    TrainingJobs trainings = new TrainingJobs(clock);
    this.learning =
        new LearningApi(
            admin, scorecards, directory, signals, scores, modelStore, models, rescores, clock,
            EbmSettings.defaults(), trainings, drift);
    ScoringServiceImpl service =
        new ScoringServiceImpl(
            admin, scorecardStore, scorecards, scorer, directory, signals, scores, history, overrides, learning,
            changes, rescores, feedStatus, clock);
    ServiceServer.Builder builder =
        b.serverBuilder(metrics)
            .addService(service)
            .methodScopes(ScoringScopes.table())
            .dependsOn(database)
            .onDrain(feed::close)
            .onDrain(replicaSync::close)
            .onDrain(retries::shutdownNow)
            .onDrain(service::closeWatches)
            .onStop(rescores::close)
            .onStop(trainings::close)
            .onStop(overrideExpiry::close)
            .onStop(housekeeping::shutdownNow)
            .onStop(database::close)
            .onStop(metrics::close);
    this.server = b.buildServer(builder);
  }

  /**
   * scoring-service on the configured ports, reading signals-service at HEALTHSCORE_SIGNALS_ADDR;
   * set what tests change, then {@code build().start()}.
   */
  public static Builder builder(ServiceConfig config) {
    return new Builder(config);
  }

  public static ServiceConfig configFromEnv() {
    return ServiceConfig.fromEnv(SERVICE_NAME, DEFAULT_GRPC_PORT, DEFAULT_METRICS_PORT);
  }

  /** Loads accounts and scorecards, starts the feed and serves. Returns this. */
  public ScoringServer start() {
    int accounts;
    try {
      accounts = directory.loadAll();
    } catch (RuntimeException e) {
      // Serve anyway: accounts are looked up one by one on demand and arrive with the feed.
      LOG.warn("cannot list accounts from signals-service at start; loading them on demand", e);
      accounts = directory.size();
    }
    int loaded = accounts;
    admin.loadStored();
    if (database.dialect() == SqlDialect.POSTGRESQL) {
      replicaSync.start(replicaPoll); // the embedded store has one process: no one else to follow
      retries.scheduleWithFixedDelay(() -> feedStatusFailures.attempt(feedStatus::publish), 1, 1, TimeUnit.SECONDS);
    }
    installConfiguredScorecards();
    if (scorecards.isEmpty()) {
      installDefaultTemplate();
    }
    LOG.info(SERVICE_NAME + ": " + loaded + " accounts, " + scorecards.all().size() + " scorecards");
    feed.start();
    // Work that follows the feed runs where the feed is applied, so replicas do not race on it.
    overrideExpiry.start(settings.overrideSweep(), feed::applying);
    housekeeping.scheduleWithFixedDelay(this::pruneChanges, 1, 60, TimeUnit.MINUTES);
    retries.scheduleWithFixedDelay(this::retrySetAside, 1, 1, TimeUnit.SECONDS);
    housekeeping.scheduleWithFixedDelay(drift::refresh, 1, 1, TimeUnit.MINUTES);
    housekeeping.scheduleWithFixedDelay(this::measureRecentAuc, 5, 360, TimeUnit.MINUTES);
    server.start();
    return this;
  }

  private void installConfiguredScorecards() {
    Optional<Path> dir = config.configDir();
    if (dir.isEmpty()) {
      return;
    }
    for (Scorecard sc : ScorecardYaml.loadDirectory(dir.get())) {
      admin.putIfChanged(sc, "").ifPresent(stored -> {
        rescores.restartFor(stored.getScorecardId());
        LOG.info("installed scorecard " + stored.getScorecardId() + " v" + stored.getVersion() + " from " + dir.get());
      });
    }
  }

  private void installDefaultTemplate() {
    List<Scorecard> templates = ScorecardTemplates.all();
    Scorecard template =
        templates.stream()
            .filter(t -> t.getScorecardId().equals(DEFAULT_TEMPLATE))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("template '" + DEFAULT_TEMPLATE + "' is missing"));
    // Replicas starting together on an empty database: the first stores it, the others find it there.
    admin.putIfChanged(template.toBuilder().setIsDefault(true).build(), "").ifPresent(stored -> {
      rescores.restartFor(stored.getScorecardId());
      LOG.info("no scorecard configured: installed template '" + DEFAULT_TEMPLATE + "' as the default scorecard");
    });
  }

  private void retrySetAside() {
    if (feed.applying()) {
      setAsideRetryFailures.attempt(() -> recompute.retryDue(feedLease::fence));
    }
  }

  /**
   * Measures the active learned model on the outcomes it never saw and reports it to the drift
   * gauges (every six hours: it reads those snapshots' features from signals-service).
   */
  public void measureRecentAuc() {
    recentAucFailures.attempt(
        () -> learning.measureRecentAuc().ifPresent(r -> drift.recordRecentAuc(r.modelId(), r.auc())));
  }

  private static OptionalDouble heldOutAuc(ModelStore store, String modelId) {
    return store.get(modelId)
        .map(m -> {
          try {
            return OptionalDouble.of(CalibrationReport.parseFrom(m.report()).getAuc());
          } catch (InvalidProtocolBufferException e) {
            return OptionalDouble.empty();
          }
        })
        .orElse(OptionalDouble.empty());
  }

  private void pruneChanges() {
    pruneFailures.attempt(() -> {
      changes.prune(clock.millis() - settings.changeRetention().toMillis());
      notices.prune(clock.millis() - NOTICE_RETENTION.toMillis());
    });
  }

  public ServiceServer server() {
    return server;
  }

  public int grpcPort() {
    return server.grpcPort();
  }

  public int metricsPort() {
    return server.metricsPort();
  }

  /** The learned model's drift gauges (tests, diagnostics). */
  public ModelDrift drift() {
    return drift;
  }

  /** The cursor of the last signals change applied (tests, diagnostics). */
  public long appliedSignalsCursor() {
    return feed.appliedCursor();
  }

  public OverrideExpiry overrideExpiry() {
    return overrideExpiry;
  }

  public void stop() {
    server.stop();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    stop();
  }

  /** What differs between production and tests: clock, transport, extra services, the signals channel. */
  public static final class Builder extends ServiceBuilder<Builder, ScoringServer> {
    private ManagedChannel signalsChannel;

    private Builder(ServiceConfig config) {
      super(config);
    }

    /** A channel to signals-service instead of one to HEALTHSCORE_SIGNALS_ADDR; the caller closes it. */
    public Builder signalsChannel(ManagedChannel channel) {
      this.signalsChannel = channel;
      return this;
    }

    @Override
    public ScoringServer build() {
      return new ScoringServer(this);
    }
  }
}
