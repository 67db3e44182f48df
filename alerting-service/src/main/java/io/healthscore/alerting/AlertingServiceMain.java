package io.healthscore.alerting;

import io.healthscore.runtime.logging.Logging;
import io.healthscore.runtime.server.ServiceServer;

/** Runs alerting-service: gRPC on HEALTHSCORE_GRPC_PORT (7003), /metrics on HEALTHSCORE_METRICS_PORT (9103). */
public final class AlertingServiceMain {
  private AlertingServiceMain() {}

  public static void main(String[] args) throws InterruptedException {
    Logging.install();
    AlertingServer server = AlertingServer.builder(AlertingServer.configFromEnv()).build().start();
    ServiceServer.runUntilShutdown(server.server());
  }
}
