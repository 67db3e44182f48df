package io.healthscore.cli.local;

import io.grpc.ManagedChannel;
import io.healthscore.alerting.AlertingServer;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.scoring.ScoringServer;
import io.healthscore.signals.SignalsServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The three services in one JVM, each on its own ports and its own embedded store, wired through
 * their public wiring classes exactly as their mains do. Used by the demo, the end-to-end tests and
 * the command line's tests.
 */
public final class Suite implements AutoCloseable {
  private final SignalsServer signals;
  private final ScoringServer scoring;
  private final AlertingServer alerting;
  private final ManagedChannel scoringToSignals;
  private final ManagedChannel alertingToSignals;
  private final ManagedChannel alertingToScoring;

  private Suite(
      SignalsServer signals,
      ScoringServer scoring,
      AlertingServer alerting,
      ManagedChannel scoringToSignals,
      ManagedChannel alertingToSignals,
      ManagedChannel alertingToScoring) {
    this.signals = signals;
    this.scoring = scoring;
    this.alerting = alerting;
    this.scoringToSignals = scoringToSignals;
    this.alertingToSignals = alertingToSignals;
    this.alertingToScoring = alertingToScoring;
  }

  /**
   * Starts signals, scoring and alerting in that order.
   *
   * @param dataRoot each service keeps its files under dataRoot/&lt;service&gt;
   * @param env HEALTHSCORE_* settings shared by the three (ports excluded)
   * @param defaultPorts true for 7001-7003 / 9101-9103, false for free ephemeral ports
   */
  public static Suite start(Path dataRoot, Map<String, String> env, boolean defaultPorts) {
    SignalsServer signals = null;
    ScoringServer scoring = null;
    ManagedChannel scoringToSignals = null;
    ManagedChannel alertingToSignals = null;
    ManagedChannel alertingToScoring = null;
    try {
      signals =
          SignalsServer.create(
                  config(SignalsServer.SERVICE_NAME, SignalsServer.DEFAULT_GRPC_PORT,
                      SignalsServer.DEFAULT_METRICS_PORT, dataRoot, env, defaultPorts))
              .start();
      String signalsAddr = "localhost:" + signals.server().grpcPort();
      scoringToSignals = Channels.forAddress(signalsAddr);
      scoring =
          ScoringServer.create(
                  config(ScoringServer.SERVICE_NAME, ScoringServer.DEFAULT_GRPC_PORT,
                      ScoringServer.DEFAULT_METRICS_PORT, dataRoot, env, defaultPorts),
                  scoringToSignals)
              .start();
      alertingToSignals = Channels.forAddress(signalsAddr);
      alertingToScoring = Channels.forAddress("localhost:" + scoring.grpcPort());
      AlertingServer alerting =
          AlertingServer.builder(
                  config(AlertingServer.SERVICE_NAME, AlertingServer.DEFAULT_GRPC_PORT,
                      AlertingServer.DEFAULT_METRICS_PORT, dataRoot, env, defaultPorts))
              .signalsChannel(alertingToSignals)
              .scoringChannel(alertingToScoring)
              .build()
              .start();
      return new Suite(
          signals, scoring, alerting, scoringToSignals, alertingToSignals, alertingToScoring);
    } catch (RuntimeException e) {
      closeQuietly(scoring, e);
      closeQuietly(signals, e);
      for (ManagedChannel c : new ManagedChannel[] {scoringToSignals, alertingToSignals, alertingToScoring}) {
        if (c != null) {
          c.shutdownNow();
        }
      }
      throw e;
    }
  }

  private static ServiceConfig config(
      String service, int grpcPort, int metricsPort, Path dataRoot, Map<String, String> env,
      boolean defaultPorts) {
    Map<String, String> own = new HashMap<>(env);
    own.remove(ServiceConfig.GRPC_PORT);
    own.remove(ServiceConfig.METRICS_PORT);
    // Embedded storage: three services sharing one PostgreSQL schema would collide.
    own.remove(ServiceConfig.DB_URL);
    own.put(ServiceConfig.DATA_DIR, dataRoot.resolve(service).toString());
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
    alertingToScoring.shutdownNow();
    alertingToSignals.shutdownNow();
    closeQuietly(scoring, failure);
    scoringToSignals.shutdownNow();
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
