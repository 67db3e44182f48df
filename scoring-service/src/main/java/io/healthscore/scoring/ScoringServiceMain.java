package io.healthscore.scoring;

import io.grpc.ManagedChannel;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.server.ServiceServer;

/**
 * Runs scoring-service: gRPC on HEALTHSCORE_GRPC_PORT (7002), /metrics on HEALTHSCORE_METRICS_PORT
 * (9102), signals-service at HEALTHSCORE_SIGNALS_ADDR (localhost:7001). See docs/scoring-service.md.
 */
public final class ScoringServiceMain {
  private ScoringServiceMain() {}

  public static void main(String[] args) throws InterruptedException {
    ServiceConfig config = ScoringServer.configFromEnv();
    ManagedChannel signals = Channels.forAddress(config.signalsAddr());
    ScoringServer scoring = ScoringServer.create(config, signals).start();
    ServiceServer.runUntilShutdown(scoring.server());
    signals.shutdownNow();
  }
}
