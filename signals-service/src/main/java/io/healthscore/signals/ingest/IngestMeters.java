package io.healthscore.signals.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The engine's Prometheus meters; none is labelled by account. Removed again on close. */
final class IngestMeters {
  final Counter ingested;
  final Counter duplicates;
  final Timer walSync;
  final Timer checkpoint;
  final Counter checkpointFailures;
  final Counter refusedRollups;
  final Counter refusedByLimit;
  final Counter abandonedBatches;
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();

  IngestMeters(MeterRegistry registry, Supplier<Number> hotRollups, Supplier<Number> rememberedIds) {
    this.registry = registry;
    ingested =
        keep(Counter.builder("healthscore.signals.ingested")
            .description("Signals stored (durable), duplicates excluded")
            .register(registry));
    duplicates =
        keep(Counter.builder("healthscore.signals.duplicates")
            .description("Signals dropped because their event id was seen before")
            .register(registry));
    walSync =
        keep(Timer.builder("healthscore.signals.wal.fsync")
            .description("Time to sync the write-ahead log; one sync covers every batch in a group")
            .publishPercentileHistogram()
            .register(registry));
    checkpoint =
        keep(Timer.builder("healthscore.signals.checkpoint")
            .description("Time to write hot rollups and event ids to the store")
            .publishPercentileHistogram()
            .register(registry));
    checkpointFailures =
        keep(Counter.builder("healthscore.signals.checkpoint.failures")
            .description("Checkpoints that failed and will be retried")
            .register(registry));
    refusedRollups =
        keep(Counter.builder("healthscore.signals.checkpoint.refused.rollups")
            .description("Blocks of rollups (an account and metric over 32 days) a checkpoint left out because the database refused them")
            .register(registry));
    refusedByLimit =
        keep(Counter.builder("healthscore.signals.refused.by.limit")
            .description("Signals refused for passing metrics per account or users per metric and day")
            .register(registry));
    abandonedBatches =
        keep(Counter.builder("healthscore.signals.abandoned.batches")
            .description("Batches not logged because their caller gave up first (deadline passed or cancelled)")
            .register(registry));
    keep(Gauge.builder("healthscore.signals.hot.rollups", hotRollups)
        .description("Rollups changed in memory and not yet checkpointed")
        .register(registry));
    keep(Gauge.builder("healthscore.signals.dedup.ids", rememberedIds)
        .description("Event ids remembered for deduplication (the id store's estimate, updated at each checkpoint)")
        .register(registry));
  }

  private <M extends Meter> M keep(M meter) {
    meters.add(meter);
    return meter;
  }

  void remove() {
    meters.forEach(registry::remove);
  }
}
