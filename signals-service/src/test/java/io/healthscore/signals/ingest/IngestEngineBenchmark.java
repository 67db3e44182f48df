package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Engine-only ingest throughput: batches of 1,000 signals from 2 threads, durably stored, beside
 * a baseline in the same run: the same batches encoded and appended to one file with an fsync per
 * batch (what a log without group commit, dedup or rollups costs). Prints signals/s and the ratio.
 * Run with {@code mvn -Pbenchmark test -Dtest=IngestEngineBenchmark}.
 */
@Tag("benchmark")
class IngestEngineBenchmark {
  private static final int THREADS = 2;
  private static final int BATCH = 1_000;
  private static final int BATCHES_PER_THREAD = 400;
  private static final int ACCOUNTS = 20_000;
  private static final int METRICS = 20;

  @TempDir Path dir;

  @Test
  void engineAgainstFsyncPerBatchBaseline() throws Exception {
    // Warm up both paths, then measure.
    runEngine(dir.resolve("warm"), batches("w", 60));
    runBaseline(dir.resolve("warm-baseline.log"), batches("wb", 60));

    List<List<SignalRecord>> engineBatches = batches("e", BATCHES_PER_THREAD * THREADS);
    List<List<SignalRecord>> baselineBatches = batches("b", BATCHES_PER_THREAD * THREADS);
    double baseline = runBaseline(dir.resolve("baseline.log"), baselineBatches);
    double engine = runEngine(dir.resolve("engine"), engineBatches);
    System.out.printf(
        "ingest benchmark: %d threads x %d batches of %d signals%n"
            + "  baseline (encode + append + fsync per batch): %,.0f signals/s%n"
            + "  IngestEngine (dedup, WAL group commit, rollups, checkpoints): %,.0f signals/s%n"
            + "  ratio engine/baseline: %.2f%n",
        THREADS, BATCHES_PER_THREAD, BATCH, baseline, engine, engine / baseline);
  }

  private static List<List<SignalRecord>> batches(String prefix, int count) {
    long start = 20_000L * 86_400_000L;
    List<List<SignalRecord>> batches = new ArrayList<>(count);
    int n = 0;
    for (int b = 0; b < count; b++) {
      List<SignalRecord> batch = new ArrayList<>(BATCH);
      for (int i = 0; i < BATCH; i++, n++) {
        int account = (n * 7919) % ACCOUNTS;
        String metric = "metric_" + (n % METRICS);
        batch.add(
            new SignalRecord(
                prefix + "-" + n + "-7c1e5a40-" + b, "account-" + account, "user-" + (n % 50), metric,
                false, n % 100, null, start + (n % 86_400_000L), "bench"));
      }
      batches.add(batch);
    }
    return batches;
  }

  private double runEngine(Path dataDir, List<List<SignalRecord>> batches) throws Exception {
    try (Database db = Database.open(ServiceConfig.fromMap("signals-service", 0, 0, Map.of()).withDataDir(dataDir));
        IngestEngine engine =
            IngestEngine.open(IngestSettings.defaults(dataDir.resolve("wal")), db, ChangeListener.NONE,
                new SimpleMeterRegistry())) {
      AtomicInteger accepted = new AtomicInteger();
      double rate = parallel(batches, batch -> accepted.addAndGet(engine.ingest(batch).accepted()));
      assertEquals(batches.size() * BATCH, accepted.get());
      return rate;
    }
  }

  private double runBaseline(Path file, List<List<SignalRecord>> batches) throws Exception {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      return parallel(
          batches,
          batch -> {
            PreparedBatch prepared = PreparedBatch.prepare(batch, UnaryOperator.identity(), SignalHashing.keyed(1, 2));
            ByteSink record = new ByteSink(prepared.body.size() + 64);
            WalBatchCodec.append(record, prepared, 20_000);
            synchronized (channel) {
              ByteBuffer buffer = ByteBuffer.wrap(record.array(), 0, record.size());
              while (buffer.hasRemaining()) {
                channel.write(buffer);
              }
              channel.force(false);
            }
          });
    }
  }

  interface BatchWork {
    void run(List<SignalRecord> batch) throws IOException;
  }

  /** Signals per second when THREADS threads split {@code batches} and each runs {@code work}. */
  private static double parallel(List<List<SignalRecord>> batches, BatchWork work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      long started = System.nanoTime();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int b = thread; b < batches.size(); b += THREADS) {
                    work.run(batches.get(b));
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      return batches.size() * (double) BATCH / seconds;
    } finally {
      pool.shutdownNow();
    }
  }
}
