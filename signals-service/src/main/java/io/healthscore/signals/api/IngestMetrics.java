package io.healthscore.signals.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ingest metrics of the API layer; the engine counts what it stores and drops
 * (healthscore_signals_ingested_total, healthscore_signals_duplicates_total). The one label, the
 * reason of a rejection, is bounded: the name of the field at fault.
 */
public final class IngestMetrics {
  private final MeterRegistry registry;
  private final Map<String, Counter> rejectedByReason = new ConcurrentHashMap<>();
  private final DistributionSummary batchSize;
  private final AtomicInteger streamBatchesInFlight = new AtomicInteger();

  public IngestMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.batchSize =
        DistributionSummary.builder("healthscore.signals.batch.size")
            .description("Signals per IngestSignals or StreamSignals batch")
            .serviceLevelObjectives(1, 10, 100, 1_000, 5_000, 10_000)
            .register(registry);
    Gauge.builder("healthscore.signals.stream.batches.in.flight", streamBatchesInFlight, AtomicInteger::get)
        .description("StreamSignals batches read from clients and not yet acknowledged")
        .register(registry);
  }

  void batch(int size) {
    batchSize.record(size);
  }

  void rejected(String category, int count) {
    rejectedByReason
        .computeIfAbsent(
            category,
            c ->
                Counter.builder("healthscore.signals.rejected")
                    .description("Signals refused by validation, by the field at fault")
                    .tag("reason", c)
                    .register(registry))
        .increment(count);
  }

  void streamBatchStarted() {
    streamBatchesInFlight.incrementAndGet();
  }

  void streamBatchDone() {
    streamBatchesInFlight.decrementAndGet();
  }
}
