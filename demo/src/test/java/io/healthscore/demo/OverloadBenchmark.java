package io.healthscore.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.Timestamp;
import com.google.rpc.RetryInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.StatusProto;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.ServiceProcess;
import io.healthscore.scoring.ScoringServiceMain;
import io.healthscore.signals.SignalsServiceMain;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.UpsertAccountsRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten times the load the machine serves, offered to signals-service's IngestSignals and to
 * scoring-service's BatchGetScores, each service a process of its own at a fixed -Xmx
 * (docs/reliability.md, "Overload"). For each workload, in one run:
 *
 * <ol>
 *   <li>capacity: what closed-loop callers get through (calls/s), all answered OK;
 *   <li>baseline: the same calls offered open-loop at half that rate: latency p50/p99;
 *   <li>overload: offered open-loop at ten times capacity, each call with a 1 s deadline: the share
 *       answered OK, RESOURCE_EXHAUSTED (every one checked for a RetryInfo) and DEADLINE_EXCEEDED,
 *       admitted calls' p99 against the SLO, the largest heap seen through /metrics against -Xmx,
 *       the admission limit ({@code healthscore_calls_limit}: its lowest and its last value);
 *       beside it calls whose deadline (1 ms) runs out on the way, counted as refused unstarted by
 *       the server, and, for ingest, how many of their signals were stored anyway;
 *   <li>recovery: with the load stopped, health is SERVING and normal calls answer OK at baseline
 *       latency, without a restart.
 * </ol>
 *
 * <pre>
 * mvn -B -o -Pbenchmark test -pl demo -am -Dtest=OverloadBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Doverload.serviceCpus=0 -Doverload.generatorCpus=1]
 * </pre>
 *
 * <p>With {@code overload.serviceCpus} and {@code overload.generatorCpus} (CPU lists for {@code
 * taskset -c}) the services run on the first CPUs and this load generator on the others, as if
 * the callers were on machines of their own: otherwise the generator's own work (sending ten times
 * what the service serves, and taking its refusals) competes with the service for the same cores.
 */
@Tag("benchmark")
class OverloadBenchmark {
  private static final String HEAP = "-Xmx256m";
  private static final String REFUSED_EXPIRED = "healthscore_calls_refused_total\\{[^}]*reason=\"deadline_expired\"";
  private static final String ADMISSION_LIMIT = "healthscore_calls_limit\\{";
  private static final long HEAP_LIMIT = 256L << 20;
  private static final int ACCOUNTS = 1_000;
  private static final int BATCH = 100;
  private static final Duration SLO = Duration.ofMillis(500);
  private static final Duration DEADLINE = Duration.ofSeconds(1);
  private static final Duration PHASE = Duration.ofSeconds(Long.getLong("overload.seconds", 10));
  private static final String SERVICE_CPUS = System.getProperty("overload.serviceCpus", "");
  private static final String GENERATOR_CPUS = System.getProperty("overload.generatorCpus", "");
  private static final int EXPIRING_CALLS = 200;
  /** How long the admission limit is given to settle at the start of a phase before "settled" figures count. */
  private static final Duration SETTLING = Duration.ofSeconds(3);
  /** Client-side cap on calls outstanding, far above what the servers admit. */
  private static final int MAX_OUTSTANDING = 20_000;

  @TempDir Path dir;

  private final String[] accounts = BenchmarkAccounts.ids(ACCOUNTS);
  private final AtomicLong eventIds = new AtomicLong();

  @Test
  void tenTimesWhatTheMachineServes() throws Exception {
    pinThisGenerator();
    int signalsPort = ServiceProcess.freePort();
    Path scoringConfig = Files.createDirectories(dir.resolve("scoring-config/scorecards"));
    Files.writeString(scoringConfig.resolve("overload.yaml"), HealthLevelScorecard.yaml("overload"));
    try (ServiceProcess signals = ServiceProcess.builder(SignalsServiceMain.class.getName())
            .env(ServiceConfig.GRPC_PORT, String.valueOf(signalsPort))
            .env(ServiceConfig.DATA_DIR, dir.resolve("data-signals").toString())
            .jvmArg(HEAP).cpus(SERVICE_CPUS).logFile(dir.resolve("signals.log")).startTimeout(Duration.ofMinutes(3)).start();
        ServiceProcess scoring = ServiceProcess.builder(ScoringServiceMain.class.getName())
            .env(ServiceConfig.DATA_DIR, dir.resolve("data-scoring").toString())
            .env(ServiceConfig.SIGNALS_ADDR, "127.0.0.1:" + signalsPort)
            .env(ServiceConfig.CONFIG_DIR, dir.resolve("scoring-config").toString())
            .jvmArg(HEAP).cpus(SERVICE_CPUS).logFile(dir.resolve("scoring.log")).startTimeout(Duration.ofMinutes(3)).start()) {
      seed(signals, scoring);
      List<String> report = new ArrayList<>();
      report.add("| workload | phase | offered calls/s | OK | RESOURCE_EXHAUSTED (with RetryInfo) | DEADLINE_EXCEEDED | other | OK p50 | OK p99 | max heap |");
      report.add("|---|---|---|---|---|---|---|---|---|---|");
      Workload ingest = new Workload("IngestSignals (100 signals)", "IngestSignals", signals, this::ingestCall);
      Workload reads = new Workload("BatchGetScores (100 accounts)", "BatchGetScores", scoring, this::scoresCall);
      List<String> findings = new ArrayList<>();
      List<String> violations = new ArrayList<>();
      for (Workload w : List.of(ingest, reads)) {
        findings.add(run(w, report, violations));
      }
      System.out.println("load average before: " + loadAverage());
      report.forEach(System.out::println);
      findings.forEach(System.out::println);
      System.out.println("load average after: " + loadAverage());
      assertTrue(violations.isEmpty(), String.join("\n", violations));
    }
  }

  /** The capacity, baseline, overload and recovery of one workload; returns the deadline and recovery findings. */
  private String run(Workload w, List<String> report, List<String> violations) throws Exception {
    double capacity = capacity(w);
    Result baseline = openLoop(w, capacity / 2, DEADLINE, w.service.channel());
    addRow(report, w.name + " | baseline (half capacity) | " + baseline.row());
    check(violations, baseline.offered == baseline.codes.getOrDefault(Status.Code.OK, 0),
        w.name + ": every call at half capacity answered OK: " + baseline.codes);

    double refusedExpiredBefore = metricSum(w.service, REFUSED_EXPIRED);
    ServerLatency inServiceBefore = ServerLatency.read(w);
    Thread expiring = new Thread(() -> sendExpiring(w), "expiring calls");
    expiring.start();
    Result overload = openLoop(w, capacity * 10, DEADLINE, null);
    expiring.join();
    double refusedExpired = metricSum(w.service, REFUSED_EXPIRED) - refusedExpiredBefore;
    ServerLatency inService = ServerLatency.read(w).minus(inServiceBefore);
    int expiringStored = w.name.startsWith("Ingest") ? storedExpiring(w) : 0;
    addRow(report, w.name + " | overload (10x capacity) | " + overload.row());
    check(violations, overload.exhausted.get() == overload.withRetryInfo.get(),
        w.name + ": every RESOURCE_EXHAUSTED carries RetryInfo: " + overload.withRetryInfo.get() + " of "
            + overload.exhausted.get());
    check(violations, overload.maxHeap > 0 && overload.maxHeap < HEAP_LIMIT,
        w.name + ": heap " + overload.maxHeap + " under " + HEAP_LIMIT);

    Thread.sleep(2_000);
    ServingStatus health = w.service.health();
    check(violations, health == ServingStatus.SERVING, w.name + ": serving after the load stopped: " + health);
    Result recovery = openLoop(w, capacity / 2, DEADLINE, w.service.channel());
    addRow(report, w.name + " | after the load stopped (half capacity) | " + recovery.row());
    check(violations, recovery.offered == recovery.codes.getOrDefault(Status.Code.OK, 0),
        w.name + ": recovered without a restart: " + recovery.codes);
    String findings = String.format(
        "%s: capacity %.0f calls/s; %d calls with a 1 ms deadline: %.0f refused by the server before any handler ran%s;"
            + " recovery p50 %.1f ms vs baseline %.1f ms; admitted p99 under overload %.1f ms vs SLO %d ms"
            + " (calls sent after the first %d s: p50 %.1f ms, p99 %.1f ms);"
            + " admitted calls in the service (its own histogram, from admission to the answer) under overload:"
            + " %.1f %% within %d ms, p99 at most %s;"
            + " admission limit under overload: lowest %d, at its end %d; after recovery %d",
        w.name, capacity, EXPIRING_CALLS, refusedExpired,
        w.name.startsWith("Ingest") ? ", " + expiringStored + " of their signals stored" : "",
        recovery.percentile(50), baseline.percentile(50), overload.percentile(99), SLO.toMillis(),
        SETTLING.toSeconds(), overload.settledPercentile(50), overload.settledPercentile(99),
        100 * inService.shareWithin(SLO), SLO.toMillis(), inService.p99Bound(),
        overload.minLimit, overload.lastLimit, recovery.lastLimit);
    System.out.println(findings);
    return findings;
  }

  /** Notes a failed check and goes on, so that one run yields every figure and every failure. */
  private static void check(List<String> violations, boolean held, String what) {
    if (!held) {
      violations.add(what);
      System.out.println("FAILED: " + what);
    }
  }

  /** Moves every thread of this JVM, the load generator, to {@link #GENERATOR_CPUS} when set. */
  private static void pinThisGenerator() throws IOException, InterruptedException {
    if (GENERATOR_CPUS.isEmpty()) {
      return;
    }
    Process taskset =
        new ProcessBuilder("taskset", "-a", "-p", "-c", GENERATOR_CPUS, String.valueOf(ProcessHandle.current().pid()))
            .redirectErrorStream(true).start();
    String output = new String(taskset.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, taskset.waitFor(), "taskset: " + output);
    System.out.println("services on CPUs " + SERVICE_CPUS + ", this load generator on CPUs " + GENERATOR_CPUS);
  }

  /** Rows are printed as they are measured too, so a run that fails a check still shows its figures. */
  private static void addRow(List<String> report, String row) {
    report.add(row);
    System.out.println(row);
  }

  /** Closed loop: 16 callers for a few seconds, after a warm-up; calls per second answered OK. */
  private double capacity(Workload w) throws InterruptedException {
    closedLoop(w, Duration.ofSeconds(3));
    return closedLoop(w, Duration.ofSeconds(5));
  }

  private double closedLoop(Workload w, Duration length) throws InterruptedException {
    AtomicInteger ok = new AtomicInteger();
    long end = System.nanoTime() + length.toNanos();
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      Thread caller = new Thread(() -> {
        while (System.nanoTime() < end) {
          try {
            w.call.apply(new Call(w.service.channel(), DEADLINE)).get();
            ok.incrementAndGet();
          } catch (Exception e) {
            // Counted by what gets through.
          }
        }
      });
      caller.start();
      callers.add(caller);
    }
    for (Thread caller : callers) {
      caller.join();
    }
    return ok.get() / (length.toNanos() / 1e9);
  }

  /**
   * Offers {@code rate} calls per second for {@link #PHASE}, whatever comes back, over {@code
   * channel} or (null) eight connections of their own; samples the heap meanwhile.
   */
  private Result openLoop(Workload w, double rate, Duration deadline, ManagedChannel channel) throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    if (channel == null) {
      for (int i = 0; i < 8; i++) {
        channels.add(Channels.forAddress("127.0.0.1:" + w.service.grpcPort()));
      }
    } else {
      channels.add(channel);
    }
    Result result = new Result();
    Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(() -> {
      result.sampleHeap(heapUsed(w.service));
      result.sampleLimit((int) metricSum(w.service, ADMISSION_LIMIT));
    }, 0, 250, TimeUnit.MILLISECONDS);
    try {
      long start = System.nanoTime();
      result.settledFrom = start + SETTLING.toNanos();
      long intervalNanos = (long) (1e9 / rate);
      long total = PHASE.toNanos() / intervalNanos;
      for (long i = 0; i < total; i++) {
        long due = start + i * intervalNanos;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        outstanding.acquire();
        result.offered++;
        long sent = System.nanoTime();
        ListenableFuture<?> future = w.call.apply(new Call(channels.get((int) (i % channels.size())), deadline));
        Futures.addCallback(future, new FutureCallback<Object>() {
          @Override
          public void onSuccess(Object response) {
            result.record(Status.Code.OK, sent, System.nanoTime() - sent, null);
            outstanding.release();
          }

          @Override
          public void onFailure(Throwable t) {
            result.record(Status.fromThrowable(t).getCode(), sent, System.nanoTime() - sent, t);
            outstanding.release();
          }
        }, MoreExecutors.directExecutor());
      }
      outstanding.acquire(MAX_OUTSTANDING);
      outstanding.release(MAX_OUTSTANDING);
      result.seconds = (System.nanoTime() - start) / 1e9;
    } finally {
      sampler.shutdownNow();
      if (channel == null) {
        channels.forEach(ManagedChannel::shutdownNow);
      }
    }
    return result;
  }

  /**
   * Sends {@link #EXPIRING_CALLS}, spread over the overload phase, with a deadline of 1 ms that runs
   * out on the way; an ingest call carries one signal of metric "expiring".
   */
  private void sendExpiring(Workload w) {
    Timestamp at = timestamp(Instant.now().minusSeconds(60));
    long pause = PHASE.toMillis() / EXPIRING_CALLS;
    for (int i = 0; i < EXPIRING_CALLS; i++) {
      try {
        if (w.name.startsWith("Ingest")) {
          SignalServiceGrpc.newFutureStub(w.service.channel()).withDeadlineAfter(1, TimeUnit.MILLISECONDS)
              .ingestSignals(IngestSignalsRequest.newBuilder().addSignals(Signal.newBuilder()
                  .setEventId("expiring-" + i).setAccountId(accounts[0]).setMetric("expiring").setNumber(1)
                  .setOccurredAt(at)).build()).get();
        } else {
          w.call.apply(new Call(w.service.channel(), Duration.ofMillis(1))).get();
        }
      } catch (Exception expected) {
        // Most expire on the way; one that arrives in time is handled, which is right.
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** How many of the expiring calls' signals were stored. */
  private int storedExpiring(Workload w) throws InterruptedException {
    Thread.sleep(1_000);
    return (int) SignalServiceGrpc.newBlockingStub(w.service.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
        .getFeatures(GetFeaturesRequest.newBuilder().setAccountId(accounts[0])
            .setProjection(FeatureProjection.newBuilder().addNames("expiring.count_7d")).build())
        .getFeaturesOrDefault("expiring.count_7d", 0);
  }

  private ListenableFuture<?> ingestCall(Call call) {
    IngestSignalsRequest.Builder request = IngestSignalsRequest.newBuilder();
    Timestamp at = timestamp(Instant.now().minusSeconds(60));
    for (int i = 0; i < BATCH; i++) {
      long id = eventIds.incrementAndGet();
      request.addSignals(Signal.newBuilder().setEventId("ov-" + id).setAccountId(accounts[(int) (id % ACCOUNTS)])
          .setMetric("ticks").setNumber(1).setOccurredAt(at));
    }
    return SignalServiceGrpc.newFutureStub(call.channel).withDeadlineAfter(call.deadline.toMillis(), TimeUnit.MILLISECONDS)
        .ingestSignals(request.build());
  }

  private ListenableFuture<?> scoresCall(Call call) {
    int from = (int) (eventIds.incrementAndGet() % (ACCOUNTS / BATCH)) * BATCH;
    return ScoringServiceGrpc.newFutureStub(call.channel).withDeadlineAfter(call.deadline.toMillis(), TimeUnit.MILLISECONDS)
        .batchGetScores(BatchGetScoresRequest.newBuilder()
            .addAllAccountIds(Arrays.asList(accounts).subList(from, from + BATCH)).build());
  }

  /** Accounts with a health signal each, every one scored. */
  private void seed(ServiceProcess signals, ServiceProcess scoring) {
    UpsertAccountsRequest.Builder upsert = UpsertAccountsRequest.newBuilder();
    for (String id : accounts) {
      upsert.addAccounts(Account.newBuilder().setAccountId(id).setName(id).setMrr(100));
    }
    SignalServiceGrpc.newBlockingStub(signals.channel()).withDeadlineAfter(60, TimeUnit.SECONDS).upsertAccounts(upsert.build());
    IngestSignalsRequest.Builder health = IngestSignalsRequest.newBuilder();
    for (String id : accounts) {
      health.addSignals(Signal.newBuilder().setEventId("health-" + id).setAccountId(id).setMetric("health")
          .setNumber(8).setOccurredAt(timestamp(Instant.now().minusSeconds(120))));
    }
    SignalServiceGrpc.newBlockingStub(signals.channel()).withDeadlineAfter(60, TimeUnit.SECONDS).ingestSignals(health.build());
    Await.until("every account scored", Duration.ofMinutes(3), () -> {
      try {
        return ScoringServiceGrpc.newBlockingStub(scoring.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
            .batchGetScores(BatchGetScoresRequest.newBuilder().addAllAccountIds(Arrays.asList(accounts)).build())
            .getScoresCount() == ACCOUNTS;
      } catch (StatusRuntimeException notYet) {
        return false;
      }
    });
  }

  private static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).build();
  }

  private static long heapUsed(ServiceProcess service) {
    return (long) metricSum(service, "jvm_memory_used_bytes\\{[^}]*area=\"heap\"");
  }

  /**
   * The service's own latency histogram of a method's OK calls (runtime's request timer, whose
   * buckets run from 1 ms to 2.5 s): cumulative counts by bucket bound in seconds, and the total.
   */
  private record ServerLatency(TreeMap<Double, Double> atMost, double count) {
    static ServerLatency read(Workload w) {
      String ok = "(?=[^}]*method=\"" + w.method + "\")(?=[^}]*code=\"OK\")";
      String metrics = metricsText(w.service);
      TreeMap<Double, Double> atMost = new TreeMap<>();
      for (double bound : new double[] {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5}) {
        atMost.put(bound, sum(metrics, "grpc_server_requests_seconds_bucket\\{" + ok
            + "(?=[^}]*le=\"" + bound + "\")"));
      }
      return new ServerLatency(atMost, sum(metrics, "grpc_server_requests_seconds_count\\{" + ok));
    }

    ServerLatency minus(ServerLatency before) {
      TreeMap<Double, Double> diff = new TreeMap<>();
      atMost.forEach((bound, n) -> diff.put(bound, n - before.atMost.getOrDefault(bound, 0.0)));
      return new ServerLatency(diff, count - before.count);
    }

    double shareWithin(Duration bound) {
      return count == 0 ? 0 : atMost.getOrDefault(bound.toMillis() / 1000.0, 0.0) / count;
    }

    /** The smallest bucket bound that holds 99 % of the calls. */
    String p99Bound() {
      for (var bucket : atMost.entrySet()) {
        if (count > 0 && bucket.getValue() >= 0.99 * count) {
          return (bucket.getKey() * 1000) + " ms";
        }
      }
      return "over 2500 ms";
    }
  }

  /** The sum of the service's /metrics samples whose line starts with {@code prefixRegex}. */
  private static double metricSum(ServiceProcess service, String prefixRegex) {
    return sum(metricsText(service), prefixRegex);
  }

  /** The sum of the samples in {@code metrics} whose line starts with {@code prefixRegex}. */
  private static double sum(String metrics, String prefixRegex) {
    // Label values may hold spaces ("G1 Eden Space"): the value follows the closing brace.
    Matcher m = Pattern.compile("(?m)^" + prefixRegex + "[^}]*\\} ([0-9.eE+-]+)$").matcher(metrics);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  private static String metricsText(ServiceProcess service) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.metricsPort() + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build();
    try {
      return METRICS.send(request, HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static final HttpClient METRICS = HttpClient.newHttpClient();

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private record Call(ManagedChannel channel, Duration deadline) {}

  private record Workload(
      String name, String method, ServiceProcess service, Function<Call, ListenableFuture<?>> call) {}

  /** What came back from one phase. */
  private static final class Result {
    int offered;
    double seconds;
    final Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
    final ConcurrentLinkedQueue<Long> okNanos = new ConcurrentLinkedQueue<>();
    /** OK latencies of the calls sent once the phase had run {@link #SETTLING}. */
    final ConcurrentLinkedQueue<Long> settledOkNanos = new ConcurrentLinkedQueue<>();
    volatile long settledFrom;
    final AtomicInteger exhausted = new AtomicInteger();
    final AtomicInteger withRetryInfo = new AtomicInteger();
    volatile long maxHeap;
    volatile int minLimit = Integer.MAX_VALUE;
    volatile int lastLimit;

    synchronized void record(Status.Code code, long sent, long nanos, Throwable failure) {
      codes.merge(code, 1, Integer::sum);
      if (code == Status.Code.OK) {
        okNanos.add(nanos);
        if (sent - settledFrom >= 0) {
          settledOkNanos.add(nanos);
        }
      } else if (code == Status.Code.RESOURCE_EXHAUSTED) {
        exhausted.incrementAndGet();
        com.google.rpc.Status details = StatusProto.fromThrowable(failure);
        if (details != null && details.getDetailsList().stream().anyMatch(d -> d.is(RetryInfo.class))) {
          withRetryInfo.incrementAndGet();
        }
      }
    }

    void sampleHeap(long used) {
      maxHeap = Math.max(maxHeap, used);
    }

    void sampleLimit(int limit) {
      minLimit = Math.min(minLimit, limit);
      lastLimit = limit;
    }

    double percentile(int p) {
      return percentile(okNanos, p);
    }

    double settledPercentile(int p) {
      return percentile(settledOkNanos, p);
    }

    private static double percentile(ConcurrentLinkedQueue<Long> nanos, int p) {
      long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
      if (sorted.length == 0) {
        return Double.NaN;
      }
      return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }

    synchronized String row() {
      int ok = codes.getOrDefault(Status.Code.OK, 0);
      int deadline = codes.getOrDefault(Status.Code.DEADLINE_EXCEEDED, 0);
      int other = offered - ok - exhausted.get() - deadline;
      return String.format("%.0f (%d in %.1f s) | %s | %s (%d) | %s | %d %s | %.1f ms | %.1f ms | %d MiB of %d",
          offered / seconds, offered, seconds, share(ok), share(exhausted.get()), withRetryInfo.get(), share(deadline),
          other, other == 0 ? "" : otherCodes(), percentile(50), percentile(99), maxHeap >> 20, HEAP_LIMIT >> 20);
    }

    private String otherCodes() {
      Map<Status.Code, Integer> rest = new EnumMap<>(codes);
      rest.remove(Status.Code.OK);
      rest.remove(Status.Code.RESOURCE_EXHAUSTED);
      rest.remove(Status.Code.DEADLINE_EXCEEDED);
      return rest.toString();
    }

    private String share(int n) {
      return String.format("%.1f %%", 100.0 * n / Math.max(1, offered));
    }
  }
}
