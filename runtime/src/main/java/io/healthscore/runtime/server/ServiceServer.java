package io.healthscore.runtime.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.healthscore.runtime.auth.AuthInterceptor;
import io.healthscore.runtime.auth.BearerTokenFile;
import io.healthscore.runtime.auth.MethodScopes;
import io.healthscore.runtime.auth.TokenTable;
import io.healthscore.runtime.auth.TokenTableFile;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.error.ErrorMappingInterceptor;
import io.healthscore.runtime.metrics.GrpcServerMetricsInterceptor;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.metrics.MetricsHttpServer;
import io.healthscore.runtime.tls.ServerTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's gRPC server, wired the same way for every service: grpc.health.v1, reflection v1, the
 * metrics, auth and error-mapping interceptors, the message size limit and keepalive policy, and
 * /metrics on its own port. This class is the one place that wires a server; {@link
 * Builder#buildInProcess(String)} gives tests the very same wiring without sockets.
 *
 * <pre>{@code
 * ServiceConfig config = ServiceConfig.fromEnv("signals-service", 7001, 9101);
 * Metrics metrics = new Metrics(config.serviceName());
 * Database db = Database.open(config);
 * ServiceServer server = ServiceServer.builder(config, metrics)
 *     .addService(new SignalServiceImpl(db))
 *     .methodScopes(SignalScopes.TABLE)
 *     .onStop(db::close)
 *     .build();
 * ServiceServer.runUntilShutdown(server.start());
 * }</pre>
 */
public final class ServiceServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceServer.class);

  private final ServiceConfig config;
  private final Metrics metrics;
  private final Server server;
  private final HealthStatusManager health;
  private final List<String> serviceNames;
  private final List<Runnable> onDrain;
  private final List<Runnable> onStop;
  private final CountDownLatch stopped = new CountDownLatch(1);
  /** Where handlers run (CallThreads); shut down once the server has terminated. */
  private final ExecutorService handlers;
  /** The server's certificates; null in-process. */
  private final ServerTls tls;
  private final boolean authOn;
  /** HEALTHSCORE_AUTH_TOKENS followed for changes; null when auth is off or the table was given. */
  private final TokenTableFile tokenFile;
  private MetricsHttpServer metricsServer;
  private HealthPort healthPort;
  private boolean started;
  private boolean stopping;

  private ServiceServer(Builder builder, ServerBuilder<?> transport, ServerTls tls) {
    this.config = builder.config;
    this.tls = tls;
    this.authOn = builder.tokenTable != null || builder.config.authTokensFile().isPresent();
    this.tokenFile =
        builder.tokenTable == null
            ? builder.config.authTokensFile()
                .map(file -> TokenTableFile.load(file, builder.config.tls().reloadInterval()))
                .orElse(null)
            : null;
    this.metrics = builder.metrics;
    this.onDrain = List.copyOf(builder.onDrain);
    this.onStop = List.copyOf(builder.onStop);
    this.health = new HealthStatusManager();
    List<ServerServiceDefinition> services = List.copyOf(builder.services);
    this.serviceNames = services.stream().map(s -> s.getServiceDescriptor().getName()).toList();
    AdaptiveLimit limit =
        new AdaptiveLimit(
            builder.config.minCallsInFlight(),
            builder.config.maxCallsInFlight(),
            builder.config.callLatencyTarget(),
            System::nanoTime);
    this.handlers = Executors.newCachedThreadPool(DaemonThreads.numbered(config.serviceName() + "-call-"));
    transport.directExecutor().callExecutor(new CallThreads(limit, handlers));
    this.server = wire(transport, services, interceptors(builder, tokenFile, limit), health).build();
    builder.dependencies.forEach(database -> database.onFailure(this::markNotServing));
  }

  public static Builder builder(ServiceConfig config, Metrics metrics) {
    return new Builder(config, metrics);
  }

  /**
   * The interceptors every call passes, outermost first: metrics sees the final status of every
   * call (refusals included); admission refuses expired and excess calls before they cost anything;
   * auth runs before any handler; error mapping sits next to the handlers so their exceptions
   * become proper statuses.
   */
  private static List<ServerInterceptor> interceptors(Builder builder, TokenTableFile tokenFile, AdaptiveLimit limit) {
    TokenTable given = builder.tokenTable;
    Optional<Supplier<TokenTable>> tokens =
        given != null ? Optional.of(() -> given) : Optional.ofNullable(tokenFile);
    return List.of(
        new GrpcServerMetricsInterceptor(builder.metrics.registry()),
        new Admission(limit, builder.metrics.registry()),
        new AuthInterceptor(tokens, builder.methodScopes),
        new ErrorMappingInterceptor());
  }

  private static ServerBuilder<?> wire(
      ServerBuilder<?> transport,
      List<ServerServiceDefinition> services,
      List<ServerInterceptor> interceptorsOutermostFirst,
      HealthStatusManager health) {
    // ServerInterceptors.intercept makes the last interceptor the outermost one.
    List<ServerInterceptor> innermostFirst = new ArrayList<>(interceptorsOutermostFirst);
    Collections.reverse(innermostFirst);
    List<ServerServiceDefinition> all = new ArrayList<>(services);
    all.add(health.getHealthService().bindService());
    all.add(ProtoReflectionServiceV1.newInstance().bindService());
    for (ServerServiceDefinition service : all) {
      transport.addService(ServerInterceptors.intercept(StrictRequestParsing.wrap(service), innermostFirst));
    }
    return transport;
  }

  /** Starts gRPC and /metrics and reports every service SERVING. Returns this. */
  public synchronized ServiceServer start() {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          config.serviceName() + ": cannot listen for gRPC on port " + config.grpcPort(), e);
    }
    metricsServer =
        MetricsHttpServer.start(
            config.metricsHost(), config.metricsPort(), metrics, config.metricsTokenFile().map(BearerTokenFile::load));
    config.healthPort().ifPresent(port -> healthPort = HealthPort.start(port, health));
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    for (String name : serviceNames) {
      health.setStatus(name, ServingStatus.SERVING);
    }
    LOG.info(config.serviceName()
                + " started: gRPC on port "
                + grpcPort()
                + ", metrics on http://"
                + config.metricsHost().orElse("0.0.0.0")
                + ":"
                + metricsPort()
                + "/metrics, auth "
                + (authOn ? "on" : "off")
                + ", TLS "
                + (tls == null || !config.tls().serverTls()
                    ? "off"
                    : config.tls().requireClientCertificates() ? "mutual" : "on"));
    return this;
  }

  /**
   * Reports every service NOT_SERVING for good, while the server keeps answering: a component the
   * service cannot work without has failed (say, its ingest engine's writer died), so probes and
   * load balancers take the process out and Kubernetes restarts it. Callable from any thread.
   */
  public void markNotServing(String reason) {
    LOG.error(config.serviceName() + ": not serving: " + reason);
    health.enterTerminalState();
  }

  /** The bound gRPC port, or -1 for an in-process server. */
  public int grpcPort() {
    return server.getListenSockets().stream()
        .filter(InetSocketAddress.class::isInstance)
        .map(a -> ((InetSocketAddress) a).getPort())
        .findFirst()
        .orElse(-1);
  }

  /** The bound plaintext health-check port, when HEALTHSCORE_HEALTH_PORT is set. */
  public OptionalInt healthPort() {
    return healthPort == null ? OptionalInt.empty() : OptionalInt.of(healthPort.port());
  }

  public int metricsPort() {
    if (metricsServer == null) {
      throw new IllegalStateException("not started");
    }
    return metricsServer.port();
  }

  /**
   * Stops gracefully; idempotent. Health turns NOT_SERVING so load balancers and probes move away,
   * new calls are refused, drain hooks end long-lived streams, in-flight calls get up to
   * shutdownGrace to finish before being cancelled, then the stop hooks run (close stores after the
   * last handler is done) and /metrics closes.
   */
  public void stop() {
    synchronized (this) {
      if (stopping) {
        return;
      }
      stopping = true;
    }
    try {
      health.enterTerminalState();
      server.shutdown();
      runHooks(onDrain, "drain");
      boolean drained = awaitServer(config.shutdownGrace().toMillis());
      if (!drained) {
        LOG.warn(
            config.serviceName()
                + ": calls still running after "
                + config.shutdownGrace().toSeconds()
                + "s; cancelling them");
        server.shutdownNow();
        awaitServer(TimeUnit.SECONDS.toMillis(5));
      }
      handlers.shutdown();
      runHooks(onStop, "stop");
      if (tls != null) {
        tls.close();
      }
      if (tokenFile != null) {
        tokenFile.close();
      }
      if (metricsServer != null) {
        metricsServer.close();
      }
      if (healthPort != null) {
        healthPort.close();
      }
      LOG.info(config.serviceName() + " stopped");
    } finally {
      stopped.countDown();
    }
  }

  private boolean awaitServer(long millis) {
    try {
      return server.awaitTermination(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void runHooks(List<Runnable> hooks, String phase) {
    for (Runnable hook : hooks) {
      try {
        hook.run();
      } catch (RuntimeException e) {
        // One failing hook must not keep the others (e.g. closing the database) from running.
        LOG.error(config.serviceName() + ": " + phase + " hook failed", e);
      }
    }
  }

  /** Blocks until {@link #stop()} has completed. */
  public void awaitTermination() throws InterruptedException {
    stopped.await();
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /**
   * For main(): starts the server unless started, stops it gracefully when the JVM is asked to exit
   * (SIGTERM from Kubernetes, Ctrl-C), and blocks until then.
   */
  public static void runUntilShutdown(ServiceServer server) throws InterruptedException {
    synchronized (server) {
      if (!server.started) {
        server.start();
      }
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "graceful-stop"));
    server.awaitTermination();
  }

  public static final class Builder {
    private final ServiceConfig config;
    private final Metrics metrics;
    private final List<ServerServiceDefinition> services = new ArrayList<>();
    private final List<Runnable> onDrain = new ArrayList<>();
    private final List<Runnable> onStop = new ArrayList<>();
    private final List<Database> dependencies = new ArrayList<>();
    private MethodScopes methodScopes = MethodScopes.adminOnly();
    private TokenTable tokenTable;

    private Builder(ServiceConfig config, Metrics metrics) {
      this.config = Objects.requireNonNull(config, "config");
      this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    public Builder addService(BindableService service) {
      return addService(service.bindService());
    }

    public Builder addService(ServerServiceDefinition service) {
      services.add(Objects.requireNonNull(service, "service"));
      return this;
    }

    /**
     * The service cannot work without {@code database}: health turns NOT_SERVING for good when it
     * stops (the embedded store after a failed write, see {@link Database#onFailure}).
     */
    public Builder dependsOn(Database database) {
      dependencies.add(Objects.requireNonNull(database, "database"));
      return this;
    }

    /** The scope each method requires when auth is on; unlisted methods require admin. */
    public Builder methodScopes(MethodScopes scopes) {
      this.methodScopes = Objects.requireNonNull(scopes, "scopes");
      return this;
    }

    /** Turns auth on with this table instead of the config's token file (tests). */
    public Builder tokenTable(TokenTable table) {
      this.tokenTable = Objects.requireNonNull(table, "table");
      return this;
    }

    /**
     * Runs as soon as the server stops accepting calls, before waiting for in-flight ones: end
     * long-lived streams (watch/subscribe) here so clients reconnect elsewhere instead of holding
     * the stop for the whole grace period.
     */
    public Builder onDrain(Runnable hook) {
      onDrain.add(Objects.requireNonNull(hook, "hook"));
      return this;
    }

    /** Runs after in-flight calls are done or cancelled, in the order added: close stores here. */
    public Builder onStop(Runnable hook) {
      onStop.add(Objects.requireNonNull(hook, "hook"));
      return this;
    }

    /**
     * A Netty server on config.grpcPort() (0 = a free port), speaking TLS or mutual TLS when
     * HEALTHSCORE_TLS_* say so.
     */
    public ServiceServer build() {
      ServerTls tls = ServerTls.from(config.tls());
      NettyServerBuilder transport =
          NettyServerBuilder.forPort(config.grpcPort(), tls.credentials())
              .maxInboundMessageSize(config.maxInboundMessageBytes())
              // Let clients keep idle connections alive through proxies without being kicked
              // off with ENHANCE_YOUR_CALM (the default minimum is 5 minutes).
              .permitKeepAliveTime(10, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true)
              // HTTP/2's own per-connection bounds: streams open at once, and resets per 10 s so
              // a client cannot make the server start and cancel calls without end (rapid reset).
              .maxConcurrentCallsPerConnection(config.maxCallsPerConnection())
              .maxRstFramesPerWindow(config.maxResetsPerConnection(), 10);
      // A bounded connection age makes clients of a headless Service re-resolve DNS and spread
      // over replicas that started after they connected; streams in flight are not cut.
      config.maxConnectionAge().ifPresent(age -> transport.maxConnectionAge(age.toMillis(), TimeUnit.MILLISECONDS));
      try {
        return new ServiceServer(this, transport, tls);
      } catch (RuntimeException e) {
        tls.close();
        throw e;
      }
    }

    /** The same server reachable in-process under {@code name}, for tests. */
    public ServiceServer buildInProcess(String name) {
      InProcessServerBuilder transport =
          InProcessServerBuilder.forName(name).maxInboundMessageSize(config.maxInboundMessageBytes());
      return new ServiceServer(this, transport, null);
    }
  }
}
