package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.error.ResourceExhaustedException;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backfill of history on the embedded store: accounts x metrics (default 40) x 365 days, one signal
 * per rollup (every signal its own daily rollup), beside the same number of signals concentrated on
 * a few rollups (baseline) in the same run. Reports signals/s (until the last rollup is checkpointed
 * to the SQL store) and their ratio, RESOURCE_EXHAUSTED
 * answers (retried after their delay), bytes on disk per rollup after the final checkpoint, bytes
 * of the event id store per id, resident memory, and the CPU seconds of the engine's threads (log
 * writer, id writer, checkpoint), of the callers and of the process. {@code mvn -Pbenchmark test -pl signals-service -am -Dtest=BackfillBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbackfill.accounts=200 -Dbackfill.metrics=40}; with {@code
 * -Dbackfill.postgresUrl=jdbc:postgresql://...} on PostgreSQL (a fresh schema per run, disk as the
 * tables' total relation size).
 */
@Tag("benchmark")
class BackfillBenchmark {
  private static final int DAYS = 365;
  private static final int BATCH = 5_000;
  private static final int THREADS = 2;
  private static final long DAY = 86_400_000L;

  @TempDir Path dir;

  @Test
  void distinctRollupsAgainstFewRollups() throws Exception {
    int accounts = Integer.getInteger("backfill.accounts", 200);
    int metrics = Integer.getInteger("backfill.metrics", 40);
    long signals = (long) accounts * metrics * DAYS;
    long today = Math.floorDiv(System.currentTimeMillis(), DAY);
    Run few = run(dir.resolve("few"), signals, i -> new long[] {i % 10, 0, today - 1});
    Run wide =
        run(dir.resolve("wide"), signals, i -> new long[] {i / ((long) metrics * DAYS), (i / DAYS) % metrics, today - 1 - i % DAYS});
    System.out.printf(
        "backfill benchmark: %,d accounts x %d metrics x %d days = %,d signals, batches of %,d from %d threads%n"
            + "  few rollups (10):        %,.0f signals/s, %d RESOURCE_EXHAUSTED%n"
            + "  one rollup per signal:   %,.0f signals/s, %d RESOURCE_EXHAUSTED, ratio %.2f%n"
            + "  SQL store on disk (" + (System.getProperty("backfill.postgresUrl") == null ? "H2 file" : "PostgreSQL tables")
            + "): %,d bytes, %.0f bytes per rollup; event id store %,d bytes, %.1f bytes per id;"
            + " resident memory after: %,d MiB (heap used %,d MiB)%n"
            + "  CPU seconds, few rollups: %s%n"
            + "  CPU seconds, one rollup per signal: %s%n",
        accounts, metrics, DAYS, signals, BATCH, THREADS, few.rate, few.exhausted, wide.rate, wide.exhausted,
        wide.rate / few.rate, wide.diskBytes, wide.diskBytes / (double) signals, wide.idBytes, wide.idBytes / (double) signals,
        wide.residentMib, wide.heapMib, few.cpu, wide.cpu);
  }

  interface Placement {
    /** account, metric, day of signal i. */
    long[] of(long i);
  }

  record Run(double rate, long exhausted, long diskBytes, long idBytes, long residentMib, long heapMib, String cpu) {}

  /** The engine's threads (by name) whose CPU time is reported: where a backfill spends it. */
  private static final List<String> ENGINE_THREADS =
      List.of("signals-ingest-wal-writer", "signals-ingest-id-writer", "signals-ingest-checkpoint");

  /**
   * CPU seconds of the engine's threads, of the calling threads and of the whole process since
   * {@code processCpuAtStart}, beside the wall time.
   */
  private static String cpu(List<Thread> callers, long processCpuAtStart, double wallSeconds) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    StringBuilder out = new StringBuilder(String.format("wall %.1f", wallSeconds));
    for (String name : ENGINE_THREADS) {
      double seconds = 0;
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().startsWith(name)) {
          seconds += Math.max(0, threads.getThreadCpuTime(t.getId())) / 1e9;
        }
      }
      out.append(String.format(", %s %.1f (%.0f%% of wall)", name, seconds, 100 * seconds / wallSeconds));
    }
    double callerSeconds = 0;
    for (Thread t : callers) {
      callerSeconds += Math.max(0, threads.getThreadCpuTime(t.getId())) / 1e9;
    }
    double process = (processCpu() - processCpuAtStart) / 1e9;
    return out.append(String.format(", %d callers %.1f, process %.1f", callers.size(), callerSeconds, process)).toString();
  }

  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private Run run(Path dataDir, long signals, Placement placement) throws Exception {
    AtomicLong exhausted = new AtomicLong();
    double rate;
    String cpu;
    String postgres = System.getProperty("backfill.postgresUrl");
    Map<String, String> env =
        postgres == null ? Map.of() : Map.of(ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(postgres));
    long postgresBytes = 0;
    try (Database db = Database.open(ServiceConfig.fromMap("signals-service", 0, 0, env).withDataDir(dataDir));
        IngestEngine engine =
            IngestEngine.open(IngestSettings.defaults(dataDir.resolve("wal")), db, ChangeListener.NONE,
                new SimpleMeterRegistry())) {
      long batches = (signals + BATCH - 1) / BATCH;
      AtomicLong accepted = new AtomicLong();
      List<Thread> callers = new CopyOnWriteArrayList<>();
      ExecutorService pool =
          Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "backfill-caller");
            callers.add(t);
            return t;
          });
      long processCpuAtStart = processCpu();
      long started = System.nanoTime();
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          int thread = t;
          futures.add(pool.submit(() -> {
            for (long b = thread; b < batches; b += THREADS) {
              List<SignalRecord> batch = new ArrayList<>(BATCH);
              for (long i = b * BATCH; i < Math.min(signals, (b + 1) * BATCH); i++) {
                long[] p = placement.of(i);
                batch.add(new SignalRecord("backfill-" + i, "account-" + p[0], "", "metric_" + p[1], false,
                    i % 100, null, p[2] * DAY + 43_200_000L, "bench"));
              }
              while (true) {
                try {
                  accepted.addAndGet(engine.ingest(batch).accepted());
                  break;
                } catch (ResourceExhaustedException e) {
                  exhausted.incrementAndGet();
                  Thread.sleep(e.retryAfter().orElse(Duration.ofSeconds(1)).toMillis());
                }
              }
            }
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
        engine.checkpoint(); // a backfill is done when its rollups are in the SQL store
        double wall = (System.nanoTime() - started) / 1e9;
        rate = signals / wall;
        cpu = cpu(callers, processCpuAtStart, wall);
      } finally {
        pool.shutdownNow();
      }
      assertEquals(signals, accepted.get());
      if (postgres != null) {
        postgresBytes = db.inTransaction(c -> {
          try (var rs = c.createStatement().executeQuery(
              "SELECT pg_total_relation_size('ingest_rollup_blocks') + pg_total_relation_size('ingest_rollup_users')")) {
            rs.next();
            return rs.getLong(1);
          }
        });
      }
    }
    Runtime rt = Runtime.getRuntime();
    long diskBytes = postgres == null ? sizeOf(dataDir, ".mv.db") : postgresBytes;
    return new Run(rate, exhausted.get(), diskBytes, sizeOf(dataDir.resolve("wal").resolve(EventIdStore.DIRECTORY), ""), residentMib(),
        (rt.totalMemory() - rt.freeMemory()) >> 20, cpu);
  }

  /** Bytes of the files under {@code dir} whose name ends with {@code suffix}. */
  private static long sizeOf(Path dir, String suffix) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(suffix))
          .mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static long residentMib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
      }
    }
    return -1;
  }
}
