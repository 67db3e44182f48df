package io.healthscore.signals;

import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceBuilder;
import io.healthscore.runtime.server.ServiceServer;
import io.healthscore.signals.api.AccountUpserts;
import io.healthscore.signals.api.FeatureReadMetrics;
import io.healthscore.signals.api.IngestMetrics;
import io.healthscore.signals.api.SignalIngestion;
import io.healthscore.signals.api.SignalServiceImpl;
import io.healthscore.signals.features.FeatureReader;
import io.healthscore.signals.feed.ChangeFeed;
import io.healthscore.signals.ingest.IngestEngine;
import io.healthscore.signals.ingest.IngestSettings;
import io.healthscore.signals.store.AccountDirectory;
import io.healthscore.signals.store.AccountStore;
import io.healthscore.signals.store.ChangeFeedStore;
import io.healthscore.signals.store.OutcomeStore;
import io.healthscore.signals.store.SignalsSchema;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place signals-service is wired: database and migrations, stores, change feed, ingest
 * engine, the gRPC service with its scopes, and the order everything stops in. Used by {@link
 * SignalsServiceMain} and by tests.
 */
public final class SignalsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SignalsServer.class);

  public static final String SERVICE_NAME = "signals-service";
  public static final int DEFAULT_GRPC_PORT = 7001;
  public static final int DEFAULT_METRICS_PORT = 9101;

  private final ServiceServer server;
  private final Metrics metrics;
  private final SignalServiceImpl service;
  private final IngestEngine engine;
  private final ChangeFeed feed;

  private SignalsServer(
      ServiceServer server, Metrics metrics, SignalServiceImpl service, IngestEngine engine, ChangeFeed feed) {
    this.server = server;
    this.metrics = metrics;
    this.service = service;
    this.engine = engine;
    this.feed = feed;
  }

  /** Reads the environment (HEALTHSCORE_*), with the default ports 7001 and 9101. */
  public static ServiceConfig configFromEnv() {
    return ServiceConfig.fromEnv(SERVICE_NAME, DEFAULT_GRPC_PORT, DEFAULT_METRICS_PORT);
  }

  /** signals-service on the configured ports; set what tests change, then {@code build().start()}. */
  public static Builder builder(ServiceConfig config) {
    return new Builder(config);
  }

  private static SignalsServer create(Builder b) {
    ServiceConfig config = b.config();
    Clock clock = b.clock();
    SignalsSettings settings = SignalsSettings.fromConfig(config);
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    try {
      Metrics metrics = new Metrics(config.serviceName());
      opened.push(metrics);
      Database db = Database.open(config);
      opened.push(db);
      SignalsSchema.migrate(db);
      AccountStore accountStore = new AccountStore(db);
      OutcomeStore outcomeStore = new OutcomeStore(db);
      AccountDirectory directory = AccountDirectory.load(accountStore);
      ChangeFeed feed =
          new ChangeFeed(
              new ChangeFeedStore(db),
              settings.feedCoalesceWindow(),
              settings.feedRetention(),
              clock,
              metrics.registry());
      opened.push(feed);
      IngestEngine engine = IngestEngine.open(IngestSettings.fromConfig(config), db, feed, metrics.registry());
      opened.push(engine);
      ExecutorService ingestWorkers =
          Executors.newCachedThreadPool(DaemonThreads.named("signals-ingest"));
      opened.push(ingestWorkers::shutdown);
      ExecutorService readWorkers =
          Executors.newCachedThreadPool(DaemonThreads.named("signals-feature-reads"));
      opened.push(readWorkers::shutdown);
      IngestMetrics ingestMetrics = new IngestMetrics(metrics.registry());
      AccountUpserts upserts =
          new AccountUpserts(accountStore, directory, feed, clock, settings.maxBatchSignals());
      SignalIngestion ingestion =
          new SignalIngestion(
              engine, directory, upserts, ingestMetrics, clock, settings.maxBatchSignals(), settings.autoCreateAccounts());
      SignalServiceImpl service =
          new SignalServiceImpl(
              new SignalServiceImpl.Dependencies(
                  accountStore,
                  directory,
                  upserts,
                  outcomeStore,
                  ingestion,
                  new FeatureReader(
                      engine, outcomeStore, accountStore, readWorkers, Runtime.getRuntime().availableProcessors()),
                  feed,
                  ingestMetrics,
                  ingestWorkers,
                  clock,
                  settings.maxBatchSignals(),
                  settings.autoCreateAccounts(),
                  settings.streamWindow(),
                  config.maxInboundMessageBytes(),
                  readWorkers,
                  new FeatureReadMetrics(metrics.registry())));
      ServiceServer.Builder builder =
          b.serverBuilder(metrics)
              .addService(service)
              .methodScopes(SignalScopes.TABLE)
              .dependsOn(db)
              .onDrain(feed::endWatches)
              // Engine first: its final checkpoint flushes the feed; then the feed, then the pool.
              .onStop(engine::close)
              .onStop(feed::close)
              .onStop(() -> shutdownWorkers(ingestWorkers))
              .onStop(readWorkers::shutdownNow)
              .onStop(db::close);
      ServiceServer server = b.buildServer(builder);
      engine.onFailure(cause -> server.markNotServing("signal ingest stopped: " + cause));
      return new SignalsServer(server, metrics, service, engine, feed);
    } catch (RuntimeException | Error e) {
      closeAll(opened, e);
      throw e;
    }
  }

  private static void shutdownWorkers(ExecutorService workers) {
    workers.shutdown();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeAll(Deque<AutoCloseable> opened, Throwable failure) {
    while (!opened.isEmpty()) {
      try {
        opened.pop().close();
      } catch (Exception e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** Starts serving. Returns this. */
  public SignalsServer start() {
    server.start();
    return this;
  }

  public ServiceServer server() {
    return server;
  }

  public Metrics metrics() {
    return metrics;
  }

  public SignalServiceImpl service() {
    return service;
  }

  public IngestEngine engine() {
    return engine;
  }

  public ChangeFeed feed() {
    return feed;
  }

  /** Stops gracefully (ends watches, waits for calls, closes the engine, feed and database). */
  @Override
  public void close() {
    server.stop();
    try {
      metrics.close();
    } catch (RuntimeException e) {
      LOG.debug("closing metrics", e);
    }
  }

  /** What differs between production and tests: clock, transport, extra services. */
  public static final class Builder extends ServiceBuilder<Builder, SignalsServer> {
    private Builder(ServiceConfig config) {
      super(config);
    }

    @Override
    public SignalsServer build() {
      return create(this);
    }
  }
}
