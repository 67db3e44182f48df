package io.healthscore.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The configuration every service shares, read once from environment variables (see CONTRACT.md).
 *
 * <p>Everything is parsed at construction so a bad value stops the service at start with a message
 * naming the variable, instead of failing later in the middle of a request. Service-specific
 * variables go through the typed getters ({@link #getInt}, {@link #getDuration}, ...), which report
 * errors the same way: an IllegalArgumentException naming the variable and its value.
 */
public final class ServiceConfig {
  public static final String GRPC_PORT = "HEALTHSCORE_GRPC_PORT";
  public static final String METRICS_PORT = "HEALTHSCORE_METRICS_PORT";
  public static final String DATA_DIR = "HEALTHSCORE_DATA_DIR";
  public static final String DB_URL = "HEALTHSCORE_DB_URL";
  public static final String SIGNALS_ADDR = "HEALTHSCORE_SIGNALS_ADDR";
  public static final String SCORING_ADDR = "HEALTHSCORE_SCORING_ADDR";
  public static final String CONFIG_DIR = "HEALTHSCORE_CONFIG_DIR";
  public static final String WEBHOOK_ALLOWLIST = "HEALTHSCORE_WEBHOOK_ALLOWLIST";
  public static final String AUTH_TOKENS = "HEALTHSCORE_AUTH_TOKENS";
  public static final String MAX_MESSAGE_BYTES = "HEALTHSCORE_MAX_MESSAGE_BYTES";
  public static final String SHUTDOWN_GRACE_SECONDS = "HEALTHSCORE_SHUTDOWN_GRACE_SECONDS";
  public static final String HEALTH_PORT = "HEALTHSCORE_HEALTH_PORT";
  public static final String MAX_CONNECTION_AGE = "HEALTHSCORE_MAX_CONNECTION_AGE";
  public static final String CLIENT_TOKEN_FILE = "HEALTHSCORE_CLIENT_TOKEN_FILE";
  public static final String TLS_CERT = "HEALTHSCORE_TLS_CERT";
  public static final String TLS_KEY = "HEALTHSCORE_TLS_KEY";
  public static final String TLS_CA = "HEALTHSCORE_TLS_CA";
  public static final String TLS_CLIENT_CERT = "HEALTHSCORE_TLS_CLIENT_CERT";
  public static final String TLS_CLIENT_KEY = "HEALTHSCORE_TLS_CLIENT_KEY";
  public static final String TLS_RELOAD_INTERVAL = "HEALTHSCORE_TLS_RELOAD_INTERVAL";
  public static final String METRICS_ADDR = "HEALTHSCORE_METRICS_ADDR";
  public static final String METRICS_TOKEN_FILE = "HEALTHSCORE_METRICS_TOKEN_FILE";
  public static final String MAX_CALLS_IN_FLIGHT = "HEALTHSCORE_MAX_CALLS_IN_FLIGHT";
  public static final String MIN_CALLS_IN_FLIGHT = "HEALTHSCORE_MIN_CALLS_IN_FLIGHT";
  public static final String CALL_LATENCY_TARGET = "HEALTHSCORE_CALL_LATENCY_TARGET";
  public static final String MAX_CALLS_PER_CONNECTION = "HEALTHSCORE_MAX_CALLS_PER_CONNECTION";
  public static final String MAX_RESETS_PER_CONNECTION = "HEALTHSCORE_MAX_RESETS_PER_CONNECTION";

  public static final String DEFAULT_SIGNALS_ADDR = "localhost:7001";
  public static final String DEFAULT_SCORING_ADDR = "localhost:7002";
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  public static final int DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;
  public static final Duration DEFAULT_TLS_RELOAD_INTERVAL = Duration.ofMinutes(1);
  public static final int DEFAULT_MAX_CALLS_IN_FLIGHT = 256;
  public static final int DEFAULT_MIN_CALLS_IN_FLIGHT = 8;
  /** Half the 500 ms latency objective: the rest is for the network and the client's own work. */
  public static final Duration DEFAULT_CALL_LATENCY_TARGET = Duration.ofMillis(250);
  public static final int DEFAULT_MAX_CALLS_PER_CONNECTION = 1000;
  public static final int DEFAULT_MAX_RESETS_PER_CONNECTION = 500;

  private final String serviceName;
  private final EnvironmentVariables env;
  private final int grpcPort;
  private final int metricsPort;
  private final Path dataDir;
  private final Optional<String> dbUrl;
  private final String signalsAddr;
  private final String scoringAddr;
  private final Optional<Path> configDir;
  private final List<String> webhookAllowlist;
  private final Optional<Path> authTokensFile;
  private final int maxInboundMessageBytes;
  private final Duration shutdownGrace;
  private final OptionalInt healthPort;
  private final Optional<Duration> maxConnectionAge;
  private final Optional<Path> clientTokenFile;
  private final TlsFiles tls;
  private final Optional<String> metricsHost;
  private final Optional<Path> metricsTokenFile;
  private final int maxCallsInFlight;
  private final int minCallsInFlight;
  private final Duration callLatencyTarget;
  private final int maxCallsPerConnection;
  private final int maxResetsPerConnection;

  private ServiceConfig(
      String serviceName, EnvironmentVariables env, int grpcPort, int metricsPort, Path dataDir) {
    this.serviceName = serviceName;
    this.env = env;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
    this.dataDir = dataDir;
    this.dbUrl = env.optional(DB_URL);
    this.signalsAddr = env.get(SIGNALS_ADDR, DEFAULT_SIGNALS_ADDR);
    this.scoringAddr = env.get(SCORING_ADDR, DEFAULT_SCORING_ADDR);
    this.configDir = env.optional(CONFIG_DIR).map(Path::of);
    this.webhookAllowlist =
        env.optional(WEBHOOK_ALLOWLIST)
            .map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
            .orElse(List.of());
    this.authTokensFile = env.optional(AUTH_TOKENS).map(Path::of);
    this.maxInboundMessageBytes = env.positiveInt(MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_BYTES);
    this.shutdownGrace =
        Duration.ofSeconds(env.nonNegativeInt(SHUTDOWN_GRACE_SECONDS, DEFAULT_SHUTDOWN_GRACE_SECONDS));
    this.healthPort =
        env.optional(HEALTH_PORT).isPresent() ? OptionalInt.of(env.port(HEALTH_PORT, 0)) : OptionalInt.empty();
    this.maxConnectionAge = Optional.ofNullable(env.getDuration(MAX_CONNECTION_AGE, null));
    this.clientTokenFile = env.optional(CLIENT_TOKEN_FILE).map(Path::of);
    this.tls =
        TlsFiles.of(
            env.optional(TLS_CERT).map(Path::of),
            env.optional(TLS_KEY).map(Path::of),
            env.optional(TLS_CA).map(Path::of),
            env.optional(TLS_CLIENT_CERT).map(Path::of),
            env.optional(TLS_CLIENT_KEY).map(Path::of),
            env.getDuration(TLS_RELOAD_INTERVAL, DEFAULT_TLS_RELOAD_INTERVAL));
    this.metricsHost = env.optional(METRICS_ADDR);
    this.metricsTokenFile = env.optional(METRICS_TOKEN_FILE).map(Path::of);
    this.maxCallsInFlight = env.positiveInt(MAX_CALLS_IN_FLIGHT, DEFAULT_MAX_CALLS_IN_FLIGHT);
    this.minCallsInFlight =
        env.positiveInt(MIN_CALLS_IN_FLIGHT, Math.min(DEFAULT_MIN_CALLS_IN_FLIGHT, maxCallsInFlight));
    if (minCallsInFlight > maxCallsInFlight) {
      throw new IllegalArgumentException(
          "invalid value for environment variable " + MIN_CALLS_IN_FLIGHT + ": '" + minCallsInFlight
              + "': expected at most " + MAX_CALLS_IN_FLIGHT + " (" + maxCallsInFlight + ")");
    }
    this.callLatencyTarget = env.getDuration(CALL_LATENCY_TARGET, DEFAULT_CALL_LATENCY_TARGET);
    if (callLatencyTarget.isNegative() || callLatencyTarget.isZero()) {
      throw new IllegalArgumentException(
          "invalid value for environment variable " + CALL_LATENCY_TARGET + ": '" + env.get(CALL_LATENCY_TARGET, "")
              + "': expected a positive duration");
    }
    this.maxCallsPerConnection = env.positiveInt(MAX_CALLS_PER_CONNECTION, DEFAULT_MAX_CALLS_PER_CONNECTION);
    this.maxResetsPerConnection = env.positiveInt(MAX_RESETS_PER_CONNECTION, DEFAULT_MAX_RESETS_PER_CONNECTION);
  }

  /** Reads the process environment. */
  public static ServiceConfig fromEnv(String serviceName, int defaultGrpcPort, int defaultMetricsPort) {
    return fromMap(serviceName, defaultGrpcPort, defaultMetricsPort, System.getenv());
  }

  /** Reads the given variables instead of the process environment (tests, embedding). */
  public static ServiceConfig fromMap(
      String serviceName, int defaultGrpcPort, int defaultMetricsPort, Map<String, String> env) {
    Objects.requireNonNull(serviceName, "serviceName");
    EnvironmentVariables vars = new EnvironmentVariables(env);
    return new ServiceConfig(
        serviceName,
        vars,
        vars.port(GRPC_PORT, defaultGrpcPort),
        vars.port(METRICS_PORT, defaultMetricsPort),
        vars.optional(DATA_DIR).map(Path::of).orElse(Path.of("data", serviceName)));
  }

  /** A copy listening on another gRPC port; 0 picks a free one. */
  public ServiceConfig withGrpcPort(int port) {
    return new ServiceConfig(serviceName, env, checkPort(port), metricsPort, dataDir);
  }

  /** A copy serving /metrics on another port; 0 picks a free one. */
  public ServiceConfig withMetricsPort(int port) {
    return new ServiceConfig(serviceName, env, grpcPort, checkPort(port), dataDir);
  }

  /** A copy keeping its embedded store elsewhere. */
  public ServiceConfig withDataDir(Path dir) {
    return new ServiceConfig(serviceName, env, grpcPort, metricsPort, Objects.requireNonNull(dir));
  }

  public String serviceName() {
    return serviceName;
  }

  public int grpcPort() {
    return grpcPort;
  }

  public int metricsPort() {
    return metricsPort;
  }

  /** Where the embedded store keeps its files; default ./data/&lt;serviceName&gt;. */
  public Path dataDir() {
    return dataDir;
  }

  /** A JDBC URL when an external database is configured; empty means the embedded store. */
  public Optional<String> dbUrl() {
    return dbUrl;
  }

  public String signalsAddr() {
    return signalsAddr;
  }

  public String scoringAddr() {
    return scoringAddr;
  }

  public Optional<Path> configDir() {
    return configDir;
  }

  /** Hosts or CIDR ranges webhooks may reach although loopback or private. */
  public List<String> webhookAllowlist() {
    return webhookAllowlist;
  }

  /** The token table; empty means auth is off. */
  public Optional<Path> authTokensFile() {
    return authTokensFile;
  }

  public int maxInboundMessageBytes() {
    return maxInboundMessageBytes;
  }

  /** How long a stop waits for in-flight calls before cancelling them. */
  public Duration shutdownGrace() {
    return shutdownGrace;
  }

  /** A plaintext port serving only grpc.health.v1 (probes); empty: health is on the gRPC port only. */
  public OptionalInt healthPort() {
    return healthPort;
  }

  /** How long a client connection may live before the server asks it to reconnect; empty: forever. */
  public Optional<Duration> maxConnectionAge() {
    return maxConnectionAge;
  }

  /** The bearer token this service presents on its calls to the others; empty: none. */
  public Optional<Path> clientTokenFile() {
    return clientTokenFile;
  }

  /** Certificates and keys of the gRPC server and of outbound channels. */
  public TlsFiles tls() {
    return tls;
  }

  /** The address /metrics binds to (a host name or IP); empty: every interface. */
  public Optional<String> metricsHost() {
    return metricsHost;
  }

  /** The bearer token a scrape of /metrics must present; empty: none required. */
  public Optional<Path> metricsTokenFile() {
    return metricsTokenFile;
  }

  /**
   * The most unary calls handled at once, and where the admission limit starts; more are refused
   * with RESOURCE_EXHAUSTED and a RetryInfo.
   */
  public int maxCallsInFlight() {
    return maxCallsInFlight;
  }

  /** The least the admission limit falls to when latency is over its target; the max makes it fixed. */
  public int minCallsInFlight() {
    return minCallsInFlight;
  }

  /** The 90th-percentile latency of unary calls the admission limit keeps them within. */
  public Duration callLatencyTarget() {
    return callLatencyTarget;
  }

  /** Calls and streams open at once on one connection (HTTP/2 MAX_CONCURRENT_STREAMS). */
  public int maxCallsPerConnection() {
    return maxCallsPerConnection;
  }

  /** Stream resets a client may send per connection in 10 seconds before it is disconnected. */
  public int maxResetsPerConnection() {
    return maxResetsPerConnection;
  }

  /** The variable's trimmed value, or {@code defaultValue} when unset or blank. */
  public String get(String name, String defaultValue) {
    return env.get(name, defaultValue);
  }

  public int getInt(String name, int defaultValue) {
    return env.getInt(name, defaultValue);
  }

  public long getLong(String name, long defaultValue) {
    return env.getLong(name, defaultValue);
  }

  public double getDouble(String name, double defaultValue) {
    return env.getDouble(name, defaultValue);
  }

  /** Accepts true/false, yes/no, on/off and 1/0, ignoring case. */
  public boolean getBoolean(String name, boolean defaultValue) {
    return env.getBoolean(name, defaultValue);
  }

  /** Accepts a whole number with a unit: 500ms, 5s, 2m, 1h, 1d. */
  public Duration getDuration(String name, Duration defaultValue) {
    return env.getDuration(name, defaultValue);
  }

  private static int checkPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
    }
    return port;
  }

  @Override
  public String toString() {
    return "ServiceConfig{service="
        + serviceName
        + ", grpcPort="
        + grpcPort
        + ", metricsPort="
        + metricsPort
        + ", dataDir="
        + dataDir
        + ", db="
        + (dbUrl.isPresent() ? "external" : "embedded")
        + ", auth="
        + (authTokensFile.isPresent() ? "on" : "off")
        + ", tls="
        + (tls.serverTls() ? (tls.requireClientCertificates() ? "mutual" : "on") : "off")
        + "}";
  }
}
