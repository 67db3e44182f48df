package io.healthscore.alerting;

import io.grpc.ManagedChannel;
import io.healthscore.alerting.alert.EscalationScheduler;
import io.healthscore.alerting.alert.AlertTransactions;
import io.healthscore.alerting.alert.AlertLifecycle;
import io.healthscore.alerting.alert.AlertStore;
import io.healthscore.alerting.api.AlertingScopes;
import io.healthscore.alerting.api.AlertingServiceImpl;
import io.healthscore.alerting.dispatch.DeliveryModule;
import io.healthscore.alerting.engine.RuleEvaluator;
import io.healthscore.alerting.engine.ScoreStore;
import io.healthscore.alerting.engine.SignalsReader;
import io.healthscore.alerting.feed.AccountLocks;
import io.healthscore.alerting.feed.AccountReconciler;
import io.healthscore.alerting.feed.EvaluationSweep;
import io.healthscore.alerting.feed.ModelHealthWatch;
import io.healthscore.alerting.upstream.ScoringModelHealth;
import io.healthscore.alerting.feed.IsolatingFeed;
import io.healthscore.alerting.feed.ReplicaNotices;
import io.healthscore.alerting.feed.ScoresFeedConsumer;
import io.healthscore.alerting.feed.SignalsFeedConsumer;
import io.healthscore.alerting.playbook.EscalationStore;
import io.healthscore.alerting.playbook.PlaybookRunner;
import io.healthscore.alerting.playbook.TaskStore;
import io.healthscore.alerting.quality.OutcomeJudge;
import io.healthscore.alerting.quality.RuleQualityGauges;
import io.healthscore.alerting.quality.RuleQualityReport;
import io.healthscore.alerting.retention.RetentionSweep;
import io.healthscore.alerting.rule.RuleStore;
import io.healthscore.alerting.rule.RuleValidator;
import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.CacheNoticeFollower;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.FeedLease;
import io.healthscore.runtime.db.SqlDialect;
import io.healthscore.runtime.error.Violations;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceBuilder;
import io.healthscore.runtime.server.ServiceServer;
import io.healthscore.runtime.stream.StreamFollower;
import io.healthscore.v1.Rule;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.WatchChangesRequest;
import io.healthscore.v1.WatchChangesResponse;
import io.healthscore.v1.WatchScoresRequest;
import io.healthscore.v1.WatchScoresResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The one place that builds alerting-service from a ServiceConfig: database, delivery module,
 * stores, rule engine, feeds from scoring and signals, escalation scheduler and the gRPC server.
 * {@link AlertingServiceMain} and the tests both start it through here.
 */
public final class AlertingServer implements AutoCloseable {
  public static final String SERVICE_NAME = "alerting-service";
  public static final int DEFAULT_GRPC_PORT = 7003;
  public static final int DEFAULT_METRICS_PORT = 9103;
  /** Migrations of rules, alerts, tasks and scores; delivery records its own under its own name. */
  static final String MIGRATIONS = "io/healthscore/alerting/db";
  static final String MIGRATION_OWNER = "alerting-core";

  private final ServiceServer server;
  private final ScoresFeedConsumer scoresFeed;
  private final SignalsFeedConsumer signalsFeed;
  /** The WatchScores and WatchChanges streams the consumers apply. */
  /** Changes of a feed applied in one batch at most. */
  static final int FEED_BATCH = 1000;

  private final List<StreamFollower<?>> feedFollowers;
  private final EscalationScheduler escalations;
  private final EvaluationSweep sweep;
  private final ModelHealthWatch modelHealth;
  private final RetentionSweep retention;
  private final RuleStore rules;
  private final DeliveryModule delivery;
  private final boolean followFeeds;
  /** Follows the account edits other replicas applied; null on the embedded store. */
  private final CacheNoticeFollower replicaSync;
  private final Duration replicaPoll;

  private AlertingServer(Builder b) {
    ServiceConfig config = b.config();
    AlertingSettings settings = AlertingSettings.from(config);
    Clock clock = b.clock();
    ManagedChannel signalsChannel = b.upstream(b.signalsChannel, config.signalsAddr());
    ManagedChannel scoringChannel = b.upstream(b.scoringChannel, config.scoringAddr());
    Metrics metrics = new Metrics(config.serviceName());
    Database database = Database.open(config);
    database.migrate(MIGRATIONS, MIGRATION_OWNER);
    DeliveryModule delivery = DeliveryModule.create(database, config, metrics.registry());
    AlertTransactions transactions = new AlertTransactions(database, new OutboxSink(delivery.outbox()));

    rules = new RuleStore(database, clock);
    RuleValidator validator = new RuleValidator(id -> delivery.channels().get(id).isPresent());
    AlertStore alerts = new AlertStore();
    TaskStore tasks = new TaskStore();
    EscalationStore escalationStore = new EscalationStore();
    AlertLifecycle lifecycle = new AlertLifecycle(alerts, new RuleEvaluator(),
        new PlaybookRunner(tasks, escalationStore), escalationStore, clock, metrics.registry());
    ScoreStore scores = new ScoreStore(database);
    SignalsReader signals = new SignalsReader(signalsChannel, settings.callDeadline(), settings.accountCacheTtl());
    AccountReconciler reconciler = new AccountReconciler(transactions, rules, scores, signals, lifecycle,
        new AccountLocks(), clock);
    RuleQualityReport quality = new RuleQualityReport(database);
    RuleQualityGauges gauges = new RuleQualityGauges(metrics.registry());
    Runnable refreshGauges = () -> gauges.update(
        quality.compute(rules.list().stream().map(Rule::getRuleId).toList(), ""));
    CursorStore cursors = new CursorStore(database);
    // Replicas: each feed is applied by the replica holding its lease (docs/decisions/008).
    String replicaId = FeedLease.replicaId(config);
    Duration leaseTtl = config.getDuration(FeedLease.TTL, FeedLease.DEFAULT_TTL);
    IsolatingFeed.Factory isolation = new IsolatingFeed.Factory(database, cursors, clock, metrics.registry(),
        consumer -> {
          if (!b.followFeeds) {
            return null;
          }
          FeedLease lease = new FeedLease(database, consumer, replicaId, leaseTtl);
          lease.reportTo(metrics.registry());
          return lease;
        });
    scoresFeed = new ScoresFeedConsumer(scores, reconciler, isolation);
    ReplicaNotices notices = new ReplicaNotices(database, replicaId);
    signalsFeed = new SignalsFeedConsumer(signals, notices, new OutcomeJudge(alerts), reconciler, isolation,
        refreshGauges);
    // The embedded store has one process: no other replica to follow.
    replicaSync = database.dialect() == SqlDialect.POSTGRESQL ? notices.follower(signals) : null;
    replicaPoll = config.getDuration(CacheNoticeFollower.POLL_INTERVAL, CacheNoticeFollower.DEFAULT_POLL_INTERVAL);
    ScoringServiceGrpc.ScoringServiceStub scoring = ScoringServiceGrpc.newStub(scoringChannel);
    SignalServiceGrpc.SignalServiceStub signalsStream = SignalServiceGrpc.newStub(signalsChannel);
    feedFollowers = List.of(
        AlertingServer.<WatchScoresResponse>feedFollower(scoresFeed.isolation(), cursors, settings,
            (after, o) -> scoring.watchScores(WatchScoresRequest.newBuilder().setAfterCursor(after).build(), o),
            batch -> scoresFeed.handle(batch.stream().map(WatchScoresResponse::getChange).toList())),
        AlertingServer.<WatchChangesResponse>feedFollower(signalsFeed.isolation(), cursors, settings,
            (after, o) -> signalsStream.watchChanges(WatchChangesRequest.newBuilder().setAfterCursor(after).build(), o),
            batch -> signalsFeed.handle(batch.stream().map(WatchChangesResponse::getChange).toList())));
    escalations = new EscalationScheduler(database, escalationStore, lifecycle, transactions, clock,
        settings.escalationScanInterval());
    sweep = new EvaluationSweep(database, reconciler, settings.sweepInterval());
    modelHealth = new ModelHealthWatch(transactions, rules,
        new ScoringModelHealth(scoringChannel, settings.callDeadline()), lifecycle, settings.modelHealthInterval());
    retention = new RetentionSweep(database, alerts, delivery, notices, settings.retention(), clock,
        metrics.registry());
    followFeeds = b.followFeeds;

    config.configDir().ifPresent(dir -> loadRules(RuleYaml.loadDirectory(dir), validator));
    refreshGauges.run();

    ServiceServer.Builder server = b.serverBuilder(metrics)
        .addService(new AlertingServiceImpl(database, rules, validator, alerts, lifecycle, tasks, quality, gauges,
            transactions, delivery.api(), clock))
        .methodScopes(AlertingScopes.TABLE)
        .dependsOn(database)
        .onDrain(() -> feedFollowers.forEach(StreamFollower::close))
        .onDrain(() -> {
          if (replicaSync != null) {
            replicaSync.close();
          }
        })
        .onDrain(escalations::close)
        .onDrain(sweep::close)
        .onDrain(modelHealth::close)
        .onDrain(scoresFeed.isolation()::close)
        .onDrain(signalsFeed.isolation()::close)
        .onDrain(() -> List.of(scoresFeed.isolation(), signalsFeed.isolation()).stream()
            .map(IsolatingFeed::lease).filter(Objects::nonNull).forEach(FeedLease::close))
        .onDrain(retention::close)
        .onDrain(delivery::close)
        .onStop(database::close)
        .onStop(metrics::close);
    this.server = b.buildServer(server);
    this.delivery = delivery;
  }

  /** Stores the rules of the config folder, each validated; a bad rule stops the start naming every problem. */
  private void loadRules(List<Rule> loaded, RuleValidator validator) {
    Violations v = new Violations();
    for (Rule rule : loaded) {
      validator.validate(rule, "rules[" + rule.getRuleId() + "]", v);
    }
    v.throwIfAny("invalid rule in " + ServiceConfig.CONFIG_DIR + "/rules");
    loaded.forEach(rules::putIfChanged);
  }

  /** Reads the environment (HEALTHSCORE_*), with the default ports 7003 and 9103. */
  public static ServiceConfig configFromEnv() {
    return ServiceConfig.fromEnv(SERVICE_NAME, DEFAULT_GRPC_PORT, DEFAULT_METRICS_PORT);
  }

  /**
   * alerting-service on the configured ports, reading HEALTHSCORE_SIGNALS_ADDR and
   * HEALTHSCORE_SCORING_ADDR; set what tests change, then {@code build().start()}.
   */
  public static Builder builder(ServiceConfig config) {
    return new Builder(config);
  }

  /** Starts delivery, the feeds and sweep (unless feeds are disabled), escalations and the gRPC server. */
  public AlertingServer start() {
    if (replicaSync != null) {
      replicaSync.start(replicaPoll);
    }
    delivery.start();
    if (followFeeds) {
      scoresFeed.isolation().lease().start();
      signalsFeed.isolation().lease().start();
      feedFollowers.forEach(StreamFollower::start);
      scoresFeed.isolation().start();
      signalsFeed.isolation().start();
      sweep.start(scoresFeed.isolation().lease()::held);
      modelHealth.start(scoresFeed.isolation().lease()::held);
    }
    escalations.start();
    retention.start();
    server.start();
    return this;
  }

  /**
   * Follows one upstream feed while this replica holds its lease; a batch and its cursor commit
   * together in the consumer, fenced with the lease. A batch takes up to {@link #FEED_BATCH}
   * changes: in a burst each batch's fixed costs (the rules read, the reads ahead from
   * signals-service, the commit) are paid once for that many accounts.
   */
  private static <T> StreamFollower<T> feedFollower(IsolatingFeed<?> feed, CursorStore cursors,
      AlertingSettings settings, StreamFollower.Opener<T> opener, StreamFollower.Handler<T> handler) {
    return StreamFollower.builder(feed.consumer(), cursors, opener, handler)
        .window(2 * FEED_BATCH)
        .maxBatch(FEED_BATCH)
        .backoff(Duration.ofMillis(200), settings.feedMaxBackoff())
        .lease(feed.lease())
        .build();
  }

  public ServiceServer server() {
    return server;
  }

  /** The gRPC port (the chosen one when configured as 0). */
  public int grpcPort() {
    return server.grpcPort();
  }

  /** The score feed consumer; tests feed it changes directly when the feeds are not followed. */
  public ScoresFeedConsumer scoresFeed() {
    return scoresFeed;
  }

  /** The signal feed consumer; tests feed it changes directly when the feeds are not followed. */
  public SignalsFeedConsumer signalsFeed() {
    return signalsFeed;
  }

  /** The escalation scheduler; tests run it with a moved clock. */
  public EscalationScheduler escalations() {
    return escalations;
  }

  /** The periodic re-evaluation; tests run it with a moved clock. */
  /** The recalibration check (tests run it at will). */
  public ModelHealthWatch modelHealth() {
    return modelHealth;
  }

  public EvaluationSweep sweep() {
    return sweep;
  }

  /** The periodic deletion of what is past its retention; tests run it with a moved clock. */
  public RetentionSweep retention() {
    return retention;
  }

  /** Graceful stop: feeds and delivery first, then calls drain, then the database closes. */
  @Override
  public void close() {
    server.close();
  }

  /** What differs between production and tests: clock, transport, extra services, upstream channels, feeds. */
  public static final class Builder extends ServiceBuilder<Builder, AlertingServer> {
    private ManagedChannel signalsChannel;
    private ManagedChannel scoringChannel;
    private boolean followFeeds = true;

    private Builder(ServiceConfig config) {
      super(config);
    }

    /** A channel to signals-service instead of one to HEALTHSCORE_SIGNALS_ADDR; the caller closes it. */
    public Builder signalsChannel(ManagedChannel channel) {
      this.signalsChannel = channel;
      return this;
    }

    /** A channel to scoring-service instead of one to HEALTHSCORE_SCORING_ADDR; the caller closes it. */
    public Builder scoringChannel(ManagedChannel channel) {
      this.scoringChannel = channel;
      return this;
    }

    /** Whether to follow the score and signal streams (tests may drive the consumers instead). */
    public Builder followFeeds(boolean follow) {
      this.followFeeds = follow;
      return this;
    }

    @Override
    public AlertingServer build() {
      return new AlertingServer(this);
    }
  }
}
