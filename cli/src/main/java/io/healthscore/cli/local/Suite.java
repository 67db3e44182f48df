package io.healthscore.cli.local;

import io.healthscore.alerting.AlertingServer;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.scoring.ScoringServer;
import io.healthscore.signals.SignalsServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The three services in one JVM, each on its own ports and its own embedded store, built through
 * their XServer builders exactly as their mains build them: each opens its own channels to the
 * others, with the outbound TLS and bearer token its HEALTHSCORE_* settings give. Used by the demo,
 * the end-to-end tests and the command line's tests.
 */
public final class Suite implements AutoCloseable {
  private final SignalsServer signals;
  private final ScoringServer scoring;
  private final AlertingServer alerting;

  private Suite(SignalsServer signals, ScoringServer scoring, AlertingServer alerting) {
    this.signals = signals;
    this.scoring = scoring;
    this.alerting = alerting;
  }

  /**
   * Starts signals, scoring and alerting in that order.
   *
   * @param dataRoot each service keeps its files under dataRoot/&lt;service&gt;
   * @param env HEALTHSCORE_* settings shared by the three (ports and addresses excluded)
   * @param defaultPorts true for 7001-7003 / 9101-9103, false for free ephemeral ports
   */
  public static Suite start(Path dataRoot, Map<String, String> env, boolean defaultPorts) {
    SignalsServer signals = null;
    ScoringServer scoring = null;
    try {
      signals =
          SignalsServer.builder(
                  config(SignalsServer.SERVICE_NAME, SignalsServer.DEFAULT_GRPC_PORT,
                      SignalsServer.DEFAULT_METRICS_PORT, dataRoot, env, Map.of(), defaultPorts))
              .build()
              .start();
      String signalsAddr = "localhost:" + signals.server().grpcPort();
      scoring =
          ScoringServer.builder(
                  config(ScoringServer.SERVICE_NAME, ScoringServer.DEFAULT_GRPC_PORT,
                      ScoringServer.DEFAULT_METRICS_PORT, dataRoot, env,
                      Map.of(ServiceConfig.SIGNALS_ADDR, signalsAddr), defaultPorts))
              .build()
              .start();
      AlertingServer alerting =
          AlertingServer.builder(
                  config(AlertingServer.SERVICE_NAME, AlertingServer.DEFAULT_GRPC_PORT,
                      AlertingServer.DEFAULT_METRICS_PORT, dataRoot, env,
                      Map.of(ServiceConfig.SIGNALS_ADDR, signalsAddr,
                          ServiceConfig.SCORING_ADDR, "localhost:" + scoring.grpcPort()),
                      defaultPorts))
              .build()
              .start();
      return new Suite(signals, scoring, alerting);
    } catch (RuntimeException e) {
      closeQuietly(scoring, e);
      closeQuietly(signals, e);
      throw e;
    }
  }

  private static ServiceConfig config(
      String service, int grpcPort, int metricsPort, Path dataRoot, Map<String, String> env,
      Map<String, String> upstreams, boolean defaultPorts) {
    Map<String, String> own = new HashMap<>(env);
    own.remove(ServiceConfig.GRPC_PORT);
    own.remove(ServiceConfig.METRICS_PORT);
    // Embedded storage: three services sharing one PostgreSQL schema would collide.
    own.remove(ServiceConfig.DB_URL);
    own.put(ServiceConfig.DATA_DIR, dataRoot.resolve(service).toString());
    own.putAll(upstreams);
    ServiceConfig config = ServiceConfig.fromMap(service, grpcPort, metricsPort, own);
    return defaultPorts ? config : config.withGrpcPort(0).withMetricsPort(0);
  }
  public int signalsPort() {
    return signals.server().grpcPort();
  }

  public int scoringPort() {
    return scoring.grpcPort();
  }

  public int alertingPort() {
    return alerting.grpcPort();
  }

  public int signalsMetricsPort() {
    return signals.server().metricsPort();
  }

  public int scoringMetricsPort() {
    return scoring.metricsPort();
  }

  public int alertingMetricsPort() {
    return alerting.server().metricsPort();
  }

  /** Stops alerting, scoring and signals, in that order, each gracefully. */
  @Override
  public void close() {
    RuntimeException failure = new RuntimeException("stopping the suite");
    closeQuietly(alerting, failure);
    closeQuietly(scoring, failure);
    closeQuietly(signals, failure);
    if (failure.getSuppressed().length > 0) {
      throw failure;
    }
  }

  private static void closeQuietly(AutoCloseable service, RuntimeException failure) {
    if (service == null) {
      return;
    }
    try {
      service.close();
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }
}
