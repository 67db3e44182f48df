package io.healthscore.signals;

import io.healthscore.runtime.logging.Logging;
import io.healthscore.runtime.server.ServiceServer;

/** {@code java -jar signals-service.jar}: configured by HEALTHSCORE_* variables (docs/signals.md). */
public final class SignalsServiceMain {
  private SignalsServiceMain() {}

  public static void main(String[] args) throws InterruptedException {
    Logging.install();
    SignalsServer signals = SignalsServer.builder(SignalsServer.configFromEnv()).build();
    ServiceServer.runUntilShutdown(signals.server());
  }
}
