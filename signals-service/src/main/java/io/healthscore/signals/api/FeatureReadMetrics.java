package io.healthscore.signals.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** What the bulk feature reads do, for operators watching training-set reads and wide batches. */
public final class FeatureReadMetrics {
  private final Counter snapshotsRead;
  private final Counter batchAccountsDeferred;

  public FeatureReadMetrics(MeterRegistry registry) {
    this.snapshotsRead =
        Counter.builder("healthscore.feature.snapshots.read")
            .description("(account, as of) pairs read by StreamFeatureSnapshots")
            .register(registry);
    this.batchAccountsDeferred =
        Counter.builder("healthscore.feature.batch.deferred")
            .description("Accounts BatchGetFeatures left to a later call because the response reached the message limit")
            .register(registry);
  }

  void snapshotsRead(int count) {
    snapshotsRead.increment(count);
  }

  void batchAccountsDeferred(int count) {
    batchAccountsDeferred.increment(count);
  }
}
