package io.healthscore.scoring;

import io.healthscore.runtime.logging.Logging;
import io.healthscore.runtime.server.ServiceServer;

/**
 * Runs scoring-service: gRPC on HEALTHSCORE_GRPC_PORT (7002), /metrics on HEALTHSCORE_METRICS_PORT
 * (9102), signals-service at HEALTHSCORE_SIGNALS_ADDR (localhost:7001). See docs/scoring-service.md.
 */
public final class ScoringServiceMain {
  private ScoringServiceMain() {}

  public static void main(String[] args) throws InterruptedException {
    Logging.install();
    ScoringServer scoring = ScoringServer.builder(ScoringServer.configFromEnv()).build().start();
    ServiceServer.runUntilShutdown(scoring.server());
  }
}
