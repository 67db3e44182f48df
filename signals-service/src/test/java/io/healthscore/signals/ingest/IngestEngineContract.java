package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.error.DeadlineExceededException;
import io.healthscore.runtime.error.ResourceExhaustedException;
import io.healthscore.runtime.error.UnavailableException;
import io.healthscore.runtime.testing.LogCapture;
import io.healthscore.runtime.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of the ingest engine, run against each SQL store by a subclass. */
abstract class IngestEngineContract {
  static final long DAY = 86_400_000L;
  static final long DAY_20000 = 20_000L * DAY;

  @TempDir Path dir;
  Database db;
  final List<IngestEngine> opened = new ArrayList<>();
  final RecordingListener listener = new RecordingListener();

  /** A fresh, empty database for one test. */
  abstract Database openDatabase(Path dir);

  @BeforeEach
  void setUp() {
    db = openDatabase(dir.resolve("db"));
  }

  @AfterEach
  void tearDown() {
    for (IngestEngine engine : opened) {
      engine.close();
    }
    db.close();
  }

  IngestEngine open(Path walDir) {
    return open(walDir, Clock.systemUTC(), IngestSettings.DEFAULT_MAX_HOT_ROLLUPS, Duration.ofHours(1));
  }

  IngestEngine open(Path walDir, Clock clock, int maxHotRollups, Duration checkpointInterval) {
    return open(
        new IngestSettings(walDir, checkpointInterval, 1 << 20, 400, true, maxHotRollups),
        clock, WriteAheadLog.SegmentOpener.FILES);
  }

  IngestEngine open(IngestSettings settings, Clock clock, WriteAheadLog.SegmentOpener opener) {
    IngestEngine engine = IngestEngine.open(settings, db, listener, registry, clock, opener);
    opened.add(engine);
    return engine;
  }

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** What kill -9 leaves: the log directory as it is on disk now, for an engine that never closed. */
  Path crashCopy(Path walDir) throws IOException {
    Path copy = Files.createTempDirectory(dir, "crashed");
    EventIdStoreTest.copyTree(walDir, copy);
    return copy;
  }

  static SignalRecord number(String id, String account, String user, String metric, double value, long at) {
    return new SignalRecord(id, account, user, metric, false, value, null, at, "test");
  }

  static SignalRecord label(String id, String account, String metric, String label, long at) {
    return new SignalRecord(id, account, "", metric, true, 0, label, at, "test");
  }

  static DailyRollup only(List<DailyRollup> rollups) {
    assertEquals(1, rollups.size(), () -> "expected one rollup: " + rollups);
    return rollups.get(0);
  }

  @Test
  void rollsUpCountSumMinMaxLastAndDistinctUsers() {
    IngestEngine engine = open(dir.resolve("wal"));
    long t = DAY_20000 + 1_000;
    IngestResult result =
        engine.ingest(
            List.of(
                number("e1", "acme", "u1", "logins", 3, t + 10),
                number("e2", "acme", "u2", "logins", -2, t + 30),
                number("e3", "acme", "u1", "logins", 7, t + 20),
                number("e4", "acme", "", "logins", 1.5, t + 5),
                number("e5", "acme", "u3", "logins", 4, t + DAY), // next day
                number("e6", "other", "u1", "logins", 100, t)));
    assertEquals(6, result.accepted());
    assertEquals(0, result.duplicates());

    List<DailyRollup> rollups = engine.rollups("acme", 20_000, 20_002);
    assertEquals(2, rollups.size());
    DailyRollup day = rollups.get(0);
    assertEquals(new DailyRollup("acme", "logins", 20_000, 4, 9.5, -2, 7, -2, null, t + 5, t + 30, 2), day);
    assertEquals(20_001, rollups.get(1).epochDay());
    assertEquals(1, rollups.get(1).distinctUsers());
    assertEquals(1, engine.rollups("acme", 20_001, 20_002).size());
    assertEquals(Set.of("logins"), engine.metrics("acme"));
    assertEquals(Set.of(), engine.metrics("nobody"));
  }

  @Test
  void mergesAcrossCheckpointsAndReopenExactly() {
    Path wal = dir.resolve("wal");
    IngestEngine engine = open(wal);
    long t = DAY_20000;
    engine.ingest(List.of(number("a1", "acme", "u1", "seats", 5, t + 100), label("a2", "acme", "plan", "gold", t + 50)));
    engine.checkpoint();
    // Same users again, one new; the earlier maximum stays; a tie on occurredAt goes to the later arrival.
    engine.ingest(
        List.of(
            number("b1", "acme", "u1", "seats", 2, t + 100),
            number("b2", "acme", "u2", "seats", 9, t + 10),
            label("b3", "acme", "plan", "silver", t + 50)));
    DailyRollup beforeCheckpoint = engine.rollups("acme", 20_000, 20_001).get(1);
    assertEquals(new DailyRollup("acme", "seats", 20_000, 3, 16, 2, 9, 2, null, t + 10, t + 100, 2), beforeCheckpoint);
    DailyRollup plan = engine.rollups("acme", 20_000, 20_001).get(0);
    assertEquals(new DailyRollup("acme", "plan", 20_000, 2, 0, 0, 0, 0, "silver", t + 50, t + 50, 0), plan);

    engine.checkpoint();
    assertEquals(List.of(plan, beforeCheckpoint), engine.rollups("acme", 20_000, 20_001));
    engine.close();
    opened.remove(engine);

    IngestEngine reopened = open(wal);
    assertEquals(List.of(plan, beforeCheckpoint), reopened.rollups("acme", 20_000, 20_001));
    reopened.ingest(List.of(number("c1", "acme", "u3", "seats", 1, t + 200)));
    DailyRollup seats = reopened.rollups("acme", 20_000, 20_001).get(1);
    assertEquals(4, seats.count());
    assertEquals(3, seats.distinctUsers());
    assertEquals(1, seats.lastValue());
    assertEquals(1, seats.min());
  }

  @Test
  void countsDistinctUsersExactlyAcrossDaysMetricsAndCheckpoints() {
    IngestEngine engine = open(dir.resolve("wal"));
    long t = DAY_20000;
    engine.ingest(
        List.of(
            number("d1", "acme", "u1", "logins", 1, t),
            number("d2", "acme", "u2", "logins", 1, t),
            number("d3", "acme", "u1", "logins", 1, t + DAY),
            number("d4", "acme", "u3", "logins", 1, t + DAY),
            number("d5", "acme", "u1", "exports", 1, t + DAY),
            number("d6", "acme", "u4", "exports", 1, t + DAY),
            number("d7", "other", "u9", "logins", 1, t)));
    engine.checkpoint();
    // In memory only, on top of stored days: a new user, and known ones again.
    engine.ingest(
        List.of(
            number("e1", "acme", "u5", "logins", 1, t + 2 * DAY),
            number("e2", "acme", "u2", "logins", 1, t + 2 * DAY),
            number("e3", "acme", "u4", "logins", 1, t + DAY),
            number("e4", "acme", "u1", "exports", 1, t + 2 * DAY)));

    assertEquals(5, engine.distinctUsers("acme", "logins", 20_000, 20_003), "u1 u2 u3 u4 u5, each once");
    assertEquals(2, engine.distinctUsers("acme", "exports", 20_000, 20_003));
    assertEquals(5, engine.distinctUsers("acme", null, 20_000, 20_003));
    assertEquals(3, engine.distinctUsers("acme", "logins", 20_001, 20_002), "stored u1 u3 plus u4 in memory");
    assertEquals(2, engine.distinctUsers("acme", "logins", 20_000, 20_001));
    assertEquals(0, engine.distinctUsers("acme", "logins", 20_003, 20_010));

    AccountRollups read = engine.read("acme", 0, 20_003, 20_001);
    assertEquals(5, read.distinctUsers(null, 20_001, 20_003), "u1 u3 u4 on day 20001, u2 u5 on 20002");
    assertThrows(IllegalArgumentException.class, () -> read.distinctUsers(null, 20_000, 20_003));
    assertEquals(3, read.rollups().stream().filter(r -> r.metric().equals("logins") && r.epochDay() == 20_001)
        .findFirst().orElseThrow().distinctUsers());

    engine.checkpoint();
    assertEquals(5, engine.distinctUsers("acme", "logins", 20_000, 20_003), "the same once stored");
    assertEquals(5, engine.distinctUsers("acme", null, 20_000, 20_003));
  }

  @Test
  void labelsAreCountedWithoutTouchingNumbers() {
    IngestEngine engine = open(dir.resolve("wal"));
    long t = DAY_20000;
    engine.ingest(List.of(label("l1", "acme", "nps", "promoter", t + 2), label("l2", "acme", "nps", "detractor", t + 1)));
    DailyRollup labels = only(engine.rollups("acme", 20_000, 20_001));
    assertEquals(2, labels.count());
    assertEquals(0, labels.sum());
    assertEquals(0, labels.min());
    assertEquals(0, labels.max());
    assertEquals("promoter", labels.lastLabel());
    engine.ingest(List.of(number("n1", "acme", "", "nps", 8, t + 3)));
    DailyRollup mixed = only(engine.rollups("acme", 20_000, 20_001));
    assertEquals(3, mixed.count());
    assertEquals(8, mixed.min());
    assertEquals(8, mixed.max());
    assertEquals(8, mixed.lastValue());
    assertNull(mixed.lastLabel());
  }

  @Test
  void dropsDuplicatesWithinAndAcrossBatches() {
    IngestEngine engine = open(dir.resolve("wal"));
    long t = DAY_20000;
    IngestResult first =
        engine.ingest(
            List.of(
                number("x", "acme", "", "m", 1, t),
                number("y", "acme", "", "m", 2, t),
                number("x", "acme", "", "m", 100, t)));
    assertEquals(2, first.accepted());
    assertEquals(1, first.duplicates());
    assertArrayEquals(new boolean[] {false, false, true}, first.duplicate());

    IngestResult second = engine.ingest(List.of(number("z", "acme", "", "m", 3, t), number("y", "acme", "", "m", 50, t)));
    assertArrayEquals(new boolean[] {false, true}, second.duplicate());
    DailyRollup m = only(engine.rollups("acme", 20_000, 20_001));
    assertEquals(3, m.count());
    assertEquals(6, m.sum());
  }

  @Test
  void aBatchLookedUpBeforeAnotherStoredTheSameIdStoresItOnce() {
    IngestEngine engine = open(dir.resolve("wal"));
    long t = DAY_20000;
    // Looked up on its caller's thread while "x" is nowhere yet, then overtaken by a batch with "x".
    PreparedBatch late = engine.prepare(List.of(number("x", "acme", "", "m", 1, t), number("y", "acme", "", "m", 1, t)), false);
    assertEquals(1, engine.ingest(List.of(number("x", "acme", "", "m", 1, t))).accepted());
    assertArrayEquals(new boolean[] {true, false}, engine.submit(late).duplicate());
    assertEquals(2, only(engine.rollups("acme", 20_000, 20_001)).count());
  }

  @Test
  void aBatchLookedUpBeforeTheIdGroupsKeptInMemoryIsLookedUpAgainByTheWriter() {
    IngestEngine engine = open(dir.resolve("wal"));
    long t = DAY_20000;
    PreparedBatch late = engine.prepare(List.of(number("x", "acme", "", "m", 1, t)), false);
    engine.ingest(List.of(number("x", "acme", "", "m", 1, t)));
    // One group each, so that the group holding "x" leaves memory once the store has it.
    for (int i = 0; i < DedupWindow.RETAINED_GROUPS + 10; i++) {
      engine.ingest(List.of(number("filler-" + i, "acme", "", "m", 1, t)));
    }
    assertArrayEquals(new boolean[] {true}, engine.submit(late).duplicate());
    assertEquals(DedupWindow.RETAINED_GROUPS + 11, only(engine.rollups("acme", 20_000, 20_001)).count());
  }

  @Test
  void concurrentBatchesOfTheSameIdsStoreEachIdOnce() throws Exception {
    IngestEngine engine = open(dir.resolve("wal"));
    int threads = 6;
    int rounds = 40;
    long t = DAY_20000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> accepted = new ArrayList<>();
      for (int th = 0; th < threads; th++) {
        accepted.add(pool.submit(() -> {
          int n = 0;
          for (int r = 0; r < rounds; r++) {
            List<SignalRecord> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
              batch.add(number("round-" + r + "-" + i, "acct-" + (i % 5), "", "m", 1, t));
            }
            n += engine.ingest(batch).accepted();
            if (r % 10 == 9) {
              engine.checkpoint();
            }
          }
          return n;
        }));
      }
      int total = 0;
      for (Future<Integer> f : accepted) {
        total += f.get();
      }
      assertEquals(rounds * 50, total, "every id accepted by exactly one of the threads");
      long stored = 0;
      for (int a = 0; a < 5; a++) {
        stored += only(engine.rollups("acct-" + a, 20_000, 20_001)).count();
      }
      assertEquals(rounds * 50, stored);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBatchWhoseCallerGaveUpBeforeItWasLoggedIsNotStoredAndItsIdsStayFree() {
    IngestEngine engine = open(dir.resolve("wal"));
    long t = DAY_20000;
    List<SignalRecord> batch = List.of(number("a", "acme", "", "m", 1, t), number("b", "acme", "", "m", 2, t));
    assertThrows(DeadlineExceededException.class, () -> engine.ingest(batch, false, () -> true));
    // Still waiting when the batch is queued, gone by the time the writer takes it.
    AtomicInteger asked = new AtomicInteger();
    assertThrows(DeadlineExceededException.class, () -> engine.ingest(batch, false, () -> asked.incrementAndGet() > 1));
    assertEquals(2, asked.get(), "asked once queued and once by the writer");
    assertTrue(engine.rollups("acme", 20_000, 20_001).isEmpty(), "nothing stored");
    assertEquals(2.0, registry.get("healthscore.signals.abandoned.batches").counter().count());

    IngestResult resent = engine.ingest(batch, false, () -> false);
    assertEquals(2, resent.accepted(), "ids of a batch never logged are no duplicates");
    assertEquals(3, only(engine.rollups("acme", 20_000, 20_001)).sum());
  }

  @Test
  void remembersEventIdsAcrossCheckpointAndReopen() {
    Path wal = dir.resolve("wal");
    IngestEngine engine = open(wal);
    long t = DAY_20000;
    engine.ingest(List.of(number("before-checkpoint", "acme", "", "m", 1, t)));
    engine.checkpoint();
    engine.ingest(List.of(number("after-checkpoint", "acme", "", "m", 1, t)));
    assertEquals(1, engine.ingest(List.of(number("before-checkpoint", "acme", "", "m", 1, t))).duplicates());
    engine.close();
    opened.remove(engine);

    IngestEngine reopened = open(wal);
    IngestResult again =
        reopened.ingest(
            List.of(
                number("before-checkpoint", "acme", "", "m", 1, t),
                number("after-checkpoint", "acme", "", "m", 1, t),
                number("new", "acme", "", "m", 1, t)));
    assertArrayEquals(new boolean[] {true, true, false}, again.duplicate());
    assertEquals(3, only(reopened.rollups("acme", 20_000, 20_001)).count());
  }

  @Test
  void recoversUncheckpointedSignalsAfterACrash() throws IOException {
    Path wal = dir.resolve("wal");
    IngestEngine engine = open(wal);
    long t = DAY_20000;
    engine.ingest(List.of(number("c1", "acme", "u1", "m", 1, t)));
    engine.checkpoint();
    engine.ingest(List.of(number("c2", "acme", "u2", "m", 2, t), number("c3", "beta", "u1", "n", 3, t)));
    Path crashed = crashCopy(wal);
    listener.calls.clear();

    IngestEngine recovered = open(crashed);
    DailyRollup m = only(recovered.rollups("acme", 20_000, 20_001));
    assertEquals(2, m.count());
    assertEquals(3, m.sum());
    assertEquals(2, m.distinctUsers());
    assertEquals(1, only(recovered.rollups("beta", 20_000, 20_001)).count());
    assertEquals(List.of(Map.of("acme", Set.of("m"), "beta", Set.of("n"))), listener.calls);
    assertEquals(1, recovered.ingest(List.of(number("c2", "acme", "", "m", 9, t))).duplicates());

    recovered.checkpoint();
    recovered.close();
    opened.remove(recovered);
    IngestEngine again = open(crashed);
    assertEquals(2, only(again.rollups("acme", 20_000, 20_001)).count());
  }

  @Test
  void cutsATornLogTailAndKeepsWhatWasSynced() throws IOException {
    Path wal = dir.resolve("wal");
    IngestEngine engine = open(wal);
    long t = DAY_20000;
    engine.ingest(List.of(number("t1", "acme", "", "m", 1, t)));
    engine.ingest(List.of(number("t2", "acme", "", "m", 2, t)));
    Path crashed = crashCopy(wal);
    Path segment = lastSegment(crashed);
    long intact = Files.size(segment);
    // A record header promising more bytes than were written, as a crash mid-append leaves it.
    try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.APPEND)) {
      channel.write(ByteBuffer.allocate(20).putInt(5_000).putInt(42).put(new byte[12]).flip());
    }

    IngestEngine recovered;
    try (LogCapture log = LogCapture.of(WriteAheadLog.class, Level.WARN)) {
      recovered = open(crashed);
      assertEquals(1, log.messages().size(), () -> "one truncation, logged: " + log.messages());
      assertTrue(log.messages().get(0).contains("cutting a torn tail of 20 bytes"), () -> log.messages().toString());
    }
    assertEquals(intact, Files.size(segment));
    DailyRollup m = only(recovered.rollups("acme", 20_000, 20_001));
    assertEquals(2, m.count());
    recovered.ingest(List.of(number("t3", "acme", "", "m", 3, t)));
    assertEquals(3, only(recovered.rollups("acme", 20_000, 20_001)).count());
  }

  @Test
  void cutsALastRecordWhoseChecksumFails() throws IOException {
    Path wal = dir.resolve("wal");
    IngestEngine engine = open(wal);
    long t = DAY_20000;
    engine.ingest(List.of(number("k1", "acme", "", "m", 1, t)));
    long afterFirst = Files.size(lastSegment(wal));
    Path storeBeforeK2 = snapshotStore(wal);
    engine.ingest(List.of(number("k2", "acme", "", "m", 2, t)));
    Path crashed = crashCopy(wal);
    // A record whose write tore was never synced, so its ids never reached the id store.
    replaceStore(crashed, storeBeforeK2);
    Path segment = lastSegment(crashed);
    try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long last = channel.size() - 1;
      ByteBuffer b = ByteBuffer.allocate(1);
      channel.read(b, last);
      channel.write(ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 0x55)}), last);
    }

    IngestEngine recovered = open(crashed);
    assertEquals(afterFirst, Files.size(segment));
    assertEquals(1, only(recovered.rollups("acme", 20_000, 20_001)).count());
    // The damaged signal was never kept, so its id is free again.
    assertEquals(0, recovered.ingest(List.of(number("k2", "acme", "", "m", 2, t))).duplicates());
  }

  /** Which of the event ids, ingested again as signals of acme's metric m, are duplicates. */
  private static boolean[] duplicateFlags(IngestEngine engine, String... eventIds) {
    List<SignalRecord> signals = new ArrayList<>();
    for (String id : eventIds) {
      signals.add(number(id, "acme", "", "m", 1, DAY_20000));
    }
    return engine.ingest(signals).duplicate();
  }

  /** A copy of the id store in {@code walDir} as it is on disk now. */
  private Path snapshotStore(Path walDir) throws IOException {
    Path snapshot = Files.createTempDirectory(dir, "store");
    EventIdStoreTest.copyTree(walDir.resolve(EventIdStore.DIRECTORY), snapshot);
    return snapshot;
  }

  /** Puts the id store copied to {@code snapshot} in place of the one in {@code walDir}. */
  private static void replaceStore(Path walDir, Path snapshot) throws IOException {
    Path store = walDir.resolve(EventIdStore.DIRECTORY);
    try (Stream<Path> files = Files.walk(store)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    EventIdStoreTest.copyTree(snapshot, store);
  }

  private static Path lastSegment(Path walDir) throws IOException {
    try (Stream<Path> files = Files.list(walDir)) {
      return files.filter(f -> f.getFileName().toString().startsWith("wal-")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  @Test
  void countsExactlyUnderConcurrentIngestAndCheckpoints() throws Exception {
    IngestEngine engine = open(dir.resolve("wal"));
    int threads = 4;
    int batches = 30;
    int perBatch = 200;
    long t = DAY_20000;
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    AtomicBoolean done = new AtomicBoolean();
    try {
      Future<?> checkpoints =
          pool.submit(
              () -> {
                while (!done.get()) {
                  engine.checkpoint();
                  Thread.sleep(1);
                }
                return null;
              });
      List<Future<int[]>> results = new ArrayList<>();
      for (int th = 0; th < threads; th++) {
        int thread = th;
        results.add(
            pool.submit(
                () -> {
                  int accepted = 0;
                  int duplicates = 0;
                  for (int b = 0; b < batches; b++) {
                    List<SignalRecord> batch = new ArrayList<>();
                    for (int i = 0; i < perBatch; i++) {
                      // Half the ids are shared by all threads: exactly one of them wins each.
                      String id = i % 2 == 0 ? "shared-" + b + "-" + i : "own-" + thread + "-" + b + "-" + i;
                      batch.add(number(id, "acct-" + (i % 7), "u" + (i % 13), "m" + (i % 3), 1, t + i));
                    }
                    IngestResult r = engine.ingest(batch);
                    accepted += r.accepted();
                    duplicates += r.duplicates();
                  }
                  return new int[] {accepted, duplicates};
                }));
      }
      int accepted = 0;
      int duplicates = 0;
      for (Future<int[]> f : results) {
        accepted += f.get()[0];
        duplicates += f.get()[1];
      }
      done.set(true);
      checkpoints.get();
      int expectedAccepted = batches * perBatch / 2 + threads * batches * perBatch / 2;
      assertEquals(expectedAccepted, accepted);
      assertEquals(threads * batches * perBatch - expectedAccepted, duplicates);
      long stored = 0;
      for (int a = 0; a < 7; a++) {
        for (DailyRollup r : engine.rollups("acct-" + a, 20_000, 20_001)) {
          stored += r.count();
          assertEquals(r.count(), (long) r.sum());
        }
      }
      assertEquals(expectedAccepted, stored);
      int metricsHeard = listener.calls.stream().mapToInt(c -> c.values().stream().mapToInt(Set::size).sum()).sum();
      assertTrue(metricsHeard > 0);
    } finally {
      done.set(true);
      pool.shutdownNow();
    }
  }

  @Test
  void tellsTheListenerOnceDurableAndFlushesBeforeDeletingTheLog() {
    IngestEngine engine = open(dir.resolve("wal"));
    engine.ingest(List.of(number("l1", "acme", "", "a", 1, DAY_20000), number("l2", "beta", "", "b", 1, DAY_20000)));
    assertEquals(List.of(Map.of("acme", Set.of("a"), "beta", Set.of("b"))), listener.calls);
    assertEquals(0, listener.flushes);
    engine.checkpoint();
    assertEquals(1, listener.flushes);
  }

  @Test
  void tellsTheListenerOnlyAboutSignalsThatWereNotDuplicates() {
    IngestEngine engine = open(dir.resolve("wal"));
    engine.ingest(List.of(number("m1", "acme", "", "a", 1, DAY_20000)));
    listener.calls.clear();
    engine.ingest(
        List.of(
            number("m1", "acme", "", "a", 1, DAY_20000),
            number("m2", "beta", "", "b", 1, DAY_20000),
            number("m3", "beta", "", "c", 1, DAY_20000)));
    assertEquals(List.of(Map.of("beta", Set.of("b", "c"))), listener.calls);
    engine.ingest(List.of(number("m2", "beta", "", "b", 1, DAY_20000)));
    assertEquals(1, listener.calls.size(), "a batch of duplicates only changes nothing");
  }

  @Test
  void forgetsEventIdsAfterTheRetention() {
    Path wal = dir.resolve("wal");
    MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    IngestEngine engine = open(wal, clock, 1_000, Duration.ofHours(1));
    engine.ingest(List.of(number("old", "acme", "", "m", 1, DAY_20000)));
    engine.checkpoint();
    clock.advance(Duration.ofDays(400));
    assertEquals(1, engine.ingest(List.of(number("old", "acme", "", "m", 1, DAY_20000))).duplicates());
    engine.close();
    opened.remove(engine);

    clock.advance(Duration.ofDays(1));
    IngestEngine later = open(wal, clock, 1_000, Duration.ofHours(1));
    assertEquals(0, later.ingest(List.of(number("old", "acme", "", "m", 1, DAY_20000))).duplicates());
    assertEquals(2, only(later.rollups("acme", 20_000, 20_001)).count());
  }

  @Test
  void theDefaultWindowCountsArrivalDaysSoABackfillOfOldSignalsIsAcceptedOnce() {
    Path wal = dir.resolve("wal");
    MutableClock clock = new MutableClock(Instant.parse("2030-01-01T12:00:00Z"));
    IngestSettings settings = IngestSettings.defaults(wal);
    IngestEngine engine = open(settings, clock, WriteAheadLog.SegmentOpener.FILES);
    SignalRecord yearsOld = number("backfilled", "acme", "", "m", 1, DAY_20000);
    assertEquals(0, engine.ingest(List.of(yearsOld)).duplicates(), "first seen: accepted however old");
    engine.checkpoint();
    clock.advance(Duration.ofDays(settings.dedupRetentionDays()));
    assertEquals(1, engine.ingest(List.of(yearsOld)).duplicates(), "a retry on the window's last day");
    engine.close();
    opened.remove(engine);

    clock.advance(Duration.ofDays(1));
    IngestEngine later = open(settings, clock, WriteAheadLog.SegmentOpener.FILES);
    assertEquals(0, later.ingest(List.of(yearsOld)).duplicates(), "past the window the id is forgotten");
    assertEquals(2, only(later.rollups("acme", 20_000, 20_001)).count());
  }

  @Test
  void pushesBackWhenCheckpointsCannotKeepUp() {
    IngestEngine engine = open(dir.resolve("wal"), Clock.systemUTC(), 3, Duration.ofSeconds(2));
    List<SignalRecord> fourRollups = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      fourRollups.add(number("p" + i, "acme", "", "m" + i, 1, DAY_20000));
    }
    engine.ingest(fourRollups);
    // A checkpoint makes room: the next batch waits for it instead of failing.
    assertEquals(1, engine.ingest(List.of(number("q", "acme", "", "m0", 1, DAY_20000))).accepted());

    List<SignalRecord> more = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      more.add(number("r" + i, "acme", "", "n" + i, 1, DAY_20000));
    }
    engine.ingest(more);
    db.close(); // checkpoints now fail, so memory cannot drain
    assertThrows(
        ResourceExhaustedException.class,
        () -> engine.ingest(List.of(number("s", "acme", "", "m0", 1, DAY_20000))));
  }

  @Test
  void setsAsideARollupTheDatabaseRefusesAndCommitsTheRest() {
    Path wal = dir.resolve("wal");
    IngestEngine engine = open(wal);
    // A row the database refuses, the same way on every store: a constraint it violates.
    db.inTransaction(
        c -> c.createStatement().execute(
            "ALTER TABLE ingest_rollup_blocks ADD CONSTRAINT refuse_broken CHECK (account_id <> 'broken')"));
    assertCheckpointSetsAside(engine, wal, "gold");
  }

  /**
   * Ingests a good, a refused (account "broken", label {@code label}) and a good signal, and checks
   * that the checkpoint leaves out only the refused rollup and later checkpoints go on.
   */
  void assertCheckpointSetsAside(IngestEngine engine, Path wal, String label) {
    long t = DAY_20000;
    engine.ingest(
        List.of(
            number("g1", "acme", "", "logins", 1, t),
            label("b1", "broken", "plan", label, t),
            number("g2", "beta", "", "logins", 2, t)));
    engine.checkpoint();
    assertEquals(1.0, registry.counter("healthscore.signals.checkpoint.refused.rollups").count());
    engine.ingest(List.of(number("g3", "acme", "", "logins", 1, t + 1)));
    engine.checkpoint();
    engine.close();
    opened.remove(engine);

    IngestEngine reopened = open(wal);
    assertEquals(2, only(reopened.rollups("acme", 20_000, 20_001)).count());
    assertEquals(1, only(reopened.rollups("beta", 20_000, 20_001)).count());
    assertEquals(List.of(), reopened.rollups("broken", 20_000, 20_001));
  }

  @Test
  void remembersFarMoreIdsThanTheMemoryBudgetWouldHold() {
    IngestSettings settings =
        new IngestSettings(dir.resolve("wal"), Duration.ofHours(1), 1 << 20, 400, true, 1_000_000, 1 << 20);
    IngestEngine engine = open(settings, Clock.systemUTC(), WriteAheadLog.SegmentOpener.FILES);
    // The former in-memory index held budget / 80 ids: 13,107 for this 1 MiB budget.
    int ids = 60_000;
    List<SignalRecord> all = new ArrayList<>();
    for (int i = 0; i < ids; i++) {
      all.add(number("f" + i, "acme", "", "m", 1, DAY_20000));
    }
    for (int from = 0; from < ids; from += 5_000) {
      assertEquals(5_000, engine.ingest(all.subList(from, from + 5_000)).accepted());
      if (from % 20_000 == 0) {
        engine.checkpoint();
      }
    }
    assertEquals(ids, engine.ingest(all).duplicates(), "every id is remembered");
    assertTrue(engine.healthy());
    assertEquals(ids, only(engine.rollups("acme", 20_000, 20_001)).count());
  }

  @Test
  void foldsTheIdFilesOfAnEarlierVersionIntoTheStore() throws IOException {
    Path wal = dir.resolve("wal");
    MutableClock clock = new MutableClock(Instant.parse("2025-01-01T12:00:00Z"));
    long today = Math.floorDiv(clock.millis(), DAY);
    IngestEngine first = open(wal, clock, 1_000, Duration.ofHours(1));
    first.ingest(List.of(number("made-the-key", "acme", "", "m", 1, DAY_20000)));
    first.close();
    opened.remove(first);
    // The id files an earlier version left in the log directory, hashed with this store's key.
    SignalHashing hashing = new RollupStore(db).hashing(true);
    long[] yesterday = LegacyEventIdFilesTest.entries(hashing, "legacy-", 3, today - 1);
    LegacyEventIdFilesTest.appendChunk(wal, today - 1, yesterday);

    IngestEngine upgraded = open(wal, clock, 1_000, Duration.ofHours(1));
    try (Stream<Path> left = Files.list(wal)) {
      assertEquals(List.of(), left.filter(f -> f.getFileName().toString().startsWith("ids-")).toList());
    }
    assertArrayEquals(new boolean[] {true, true, false}, duplicateFlags(upgraded, "legacy-0", "legacy-2", "legacy-3"));
    upgraded.close();
    opened.remove(upgraded);
    IngestEngine restarted = open(wal, clock, 1_000, Duration.ofHours(1));
    assertEquals(1, restarted.ingest(List.of(number("legacy-1", "acme", "", "m", 1, DAY_20000))).duplicates(),
        "the folded ids outlive the files");
  }

  @Test
  void idsTheStoreLostAfterItsLastSyncComeBackFromTheLog() throws IOException {
    Path wal = dir.resolve("wal");
    IngestEngine engine = open(wal);
    long t = DAY_20000;
    engine.ingest(List.of(number("synced", "acme", "", "m", 1, t)));
    engine.checkpoint();
    Path storeAtCheckpoint = snapshotStore(wal);
    engine.ingest(List.of(number("logged-only", "acme", "", "m", 1, t)));
    Path crashed = crashCopy(wal);
    // As a torn tail of the store's own log leaves it: nothing after the last checkpoint's sync.
    replaceStore(crashed, storeAtCheckpoint);

    IngestEngine recovered = open(crashed);
    assertArrayEquals(new boolean[] {true, true}, duplicateFlags(recovered, "synced", "logged-only"));
    assertEquals(2, only(recovered.rollups("acme", 20_000, 20_001)).count());
  }

  @Test
  void pushesBackWithRetryInfoWhenWaitingRollupsPassTheMemoryBudget() {
    IngestSettings settings =
        new IngestSettings(dir.resolve("wal"), Duration.ofSeconds(1), 1 << 20, 400, true, 1_000_000, 1 << 20);
    IngestEngine engine = open(settings, Clock.systemUTC(), WriteAheadLog.SegmentOpener.FILES);
    listener.failFlush = true; // checkpoints fail, so memory cannot drain
    long rollupsInBudget = settings.maxHotBytes() / RollupDelta.BYTES_PER_ROLLUP;
    List<SignalRecord> batch = new ArrayList<>();
    for (int i = 0; i <= rollupsInBudget; i++) {
      batch.add(number("h" + i, "acct-" + i, "", "m", 1, DAY_20000));
    }
    assertEquals(batch.size(), engine.ingest(batch).accepted());
    ResourceExhaustedException behind =
        assertThrows(
            ResourceExhaustedException.class,
            () -> engine.ingest(List.of(number("late", "acme", "", "m", 1, DAY_20000))));
    assertTrue(behind.getMessage().contains(IngestSettings.MEMORY_BUDGET), behind.getMessage());
    assertEquals(Duration.ofSeconds(1), behind.retryAfter().orElseThrow());
    assertTrue(engine.healthy());
    listener.failFlush = false;
  }

  @Test
  void aStoreOutageFailsOnlyTheBatchesWhoseLimitsNeedIt() {
    IngestEngine engine = open(dir.resolve("wal"));
    engine.ingest(List.of(number("k1", "known", "", "m", 1, DAY_20000)));
    db.close();
    assertThrows(
        UnavailableException.class,
        () -> engine.ingest(List.of(number("k2", "new-account", "", "m", 1, DAY_20000))));
    assertTrue(engine.healthy(), "the engine goes on");
    assertEquals(1, engine.ingest(List.of(number("k3", "known", "", "m", 1, DAY_20000))).accepted());
  }

  @Test
  void failsInsteadOfLoggingIntoASegmentWithoutHeaderWhenARollFails() throws IOException {
    Path wal = dir.resolve("wal");
    AtomicBoolean diskFull = new AtomicBoolean();
    IngestEngine engine =
        open(
            new IngestSettings(wal, Duration.ofHours(1), 1 << 20, 400, true, 1_000_000),
            Clock.systemUTC(),
            path -> new DiskFullChannel(WriteAheadLog.SegmentOpener.FILES.open(path), diskFull));
    long t = DAY_20000;
    engine.ingest(List.of(number("w1", "acme", "", "m", 1, t)));
    diskFull.set(true);
    assertThrows(RuntimeException.class, engine::checkpoint, "the next segment cannot be made");
    diskFull.set(false); // space comes back: the writer must still not append to a broken segment
    int acknowledged = 1;
    try {
      engine.ingest(List.of(number("w2", "acme", "", "m", 1, t)));
      acknowledged++;
    } catch (UnavailableException expected) {
      // the engine stopped, as it must
    }
    assertEquals(1, acknowledged, "no batch is acknowledged after the log broke");
    assertTrue(!engine.healthy());
    Path crashed = crashCopy(wal);
    IngestEngine recovered = open(crashed);
    assertEquals(acknowledged, only(recovered.rollups("acme", 20_000, 20_001)).count());
  }

  @Test
  void keepsTheReplayStartUntilTheListenerFlushed() throws IOException {
    Path wal = dir.resolve("wal");
    IngestEngine engine = open(wal);
    engine.ingest(List.of(number("n1", "acme", "", "m", 1, DAY_20000)));
    listener.failFlush = true;
    assertThrows(RuntimeException.class, engine::checkpoint);
    Path crashed = crashCopy(wal);
    listener.failFlush = false;
    listener.calls.clear();

    open(crashed);
    assertEquals(List.of(Map.of("acme", Set.of("m"))), listener.calls, "the change is told again");
  }

  @Test
  void aDyingWriterThreadFailsCallsFastAndReportsIt() {
    IngestEngine engine = open(dir.resolve("wal"));
    List<Throwable> reported = new CopyOnWriteArrayList<>();
    engine.onFailure(reported::add);
    listener.throwOnSignals = new OutOfMemoryError("Java heap space (simulated)");
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          assertThrows(
              UnavailableException.class,
              () -> engine.ingest(List.of(number("o1", "acme", "", "m", 1, DAY_20000))));
          assertThrows(
              UnavailableException.class,
              () -> engine.ingest(List.of(number("o2", "acme", "", "m", 1, DAY_20000))));
        });
    assertTrue(!engine.healthy());
    assertEquals(1, reported.size());
    assertTrue(reported.get(0) instanceof OutOfMemoryError);
  }

  IngestEngine openWithLimits(Path walDir, int maxMetrics, int maxUsers) {
    return open(
        new IngestSettings(walDir, Duration.ofHours(1), 1 << 20, 400, true, 1_000_000,
            IngestSettings.defaultMemoryBudget(), maxMetrics, maxUsers),
        Clock.systemUTC(), WriteAheadLog.SegmentOpener.FILES);
  }

  @Test
  void refusesMetricsPastTheLimitPerAccountAndStoresTheRest() {
    Path wal = dir.resolve("wal");
    IngestEngine engine = openWithLimits(wal, 3, 1_000);
    long t = DAY_20000;
    IngestResult first =
        engine.ingest(
            List.of(
                number("x1", "acme", "", "m1", 1, t),
                number("x2", "acme", "", "m2", 1, t),
                number("x3", "acme", "", "m3", 1, t),
                number("x4", "acme", "", "m4", 1, t),
                number("x5", "beta", "", "m4", 1, t),
                number("x6", "acme", "", "m1", 1, t)));
    assertEquals(5, first.accepted());
    assertEquals(1, first.refused().size());
    IngestResult.Refusal refusal = first.refused().get(0);
    assertEquals(3, refusal.index());
    assertEquals("metric", refusal.field());
    assertTrue(refusal.reason().contains("account 'acme'"), refusal.reason());
    assertTrue(refusal.reason().contains(IngestSettings.MAX_METRICS_PER_ACCOUNT), refusal.reason());
    assertEquals(Set.of("m1", "m2", "m3"), engine.metrics("acme"));
    engine.checkpoint();
    engine.close();
    opened.remove(engine);

    IngestEngine reopened = openWithLimits(wal, 3, 1_000);
    IngestResult again =
        reopened.ingest(
            List.of(number("x4", "acme", "", "m2", 1, t), number("x7", "acme", "", "m5", 1, t)));
    assertEquals(1, again.accepted(), "the refused id is free again; stored metrics count after a restart");
    assertEquals(0, again.duplicates());
    assertEquals(1, again.refused().get(0).index());
    assertEquals(2, reopened.rollups("acme", 20_000, 20_001).stream()
        .filter(r -> r.metric().equals("m2")).findFirst().orElseThrow().count());
  }

  @Test
  void refusesUsersPastTheLimitPerMetricAndDayExactlyAcrossCheckpoints() {
    Path wal = dir.resolve("wal");
    IngestEngine engine = openWithLimits(wal, 100, 4);
    long t = DAY_20000;
    engine.ingest(List.of(number("u1", "acme", "a", "logins", 1, t), number("u2", "acme", "b", "logins", 1, t)));
    engine.checkpoint();
    IngestResult second =
        engine.ingest(
            List.of(
                number("u3", "acme", "a", "logins", 1, t),
                number("u4", "acme", "c", "logins", 1, t),
                number("u5", "acme", "d", "logins", 1, t),
                number("u6", "acme", "e", "logins", 1, t),
                number("u7", "acme", "e", "logins", 1, t + DAY)));
    assertEquals(List.of(3), second.refused().stream().map(IngestResult.Refusal::index).toList());
    assertEquals("user_id", second.refused().get(0).field());
    assertTrue(second.refused().get(0).reason().contains(IngestSettings.MAX_USERS_PER_METRIC_DAY));
    engine.checkpoint();
    engine.close();
    opened.remove(engine);

    IngestEngine reopened = openWithLimits(wal, 100, 4);
    IngestResult later =
        reopened.ingest(
            List.of(
                number("v1", "acme", "f", "logins", 1, t),
                number("v2", "acme", "f", "logins", 1, t),
                number("v3", "acme", "f", "logins", 1, t),
                number("v4", "acme", "b", "logins", 1, t)));
    assertEquals(List.of(0, 1, 2), later.refused().stream().map(IngestResult.Refusal::index).toList());
    DailyRollup day = reopened.rollups("acme", 20_000, 20_001).get(0);
    assertEquals(4, day.distinctUsers());
    assertEquals(6, day.count());
  }

  @Test
  void anAtomicBatchWithARefusalStoresNothing() {
    IngestEngine engine = openWithLimits(dir.resolve("wal"), 1, 1_000);
    long t = DAY_20000;
    IngestResult refused =
        engine.ingest(List.of(number("a1", "acme", "", "m1", 1, t), number("a2", "acme", "", "m2", 1, t)), true);
    assertEquals(0, refused.accepted());
    assertEquals(1, refused.refused().size());
    assertEquals(List.of(), engine.rollups("acme", 20_000, 20_001));
    assertEquals(1, engine.ingest(List.of(number("a1", "acme", "", "m2", 1, t)), true).accepted(),
        "nothing of the refused batch was kept: neither its id nor its metric");
  }

  @Test
  void foldsRollupsOfTheOneRowPerDayLayoutIntoBlocksAndMergesOnTop() {
    Path wal = dir.resolve("wal");
    open(wal).close();
    opened.clear();
    long t = DAY_20000;
    byte[] twoUsers = java.nio.ByteBuffer.allocate(16).putLong(11).putLong(22).array();
    db.inTransaction(c -> {
      try (var insert = c.prepareStatement(
          "INSERT INTO ingest_rollups (account_id, metric, epoch_day, signal_count, numeric_count, value_sum,"
              + " value_min, value_max, last_value, last_label, first_at_millis, last_at_millis, distinct_users,"
              + " user_hashes, checkpoint_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")) {
        // Days 20030-20033 of one metric cross the block boundary at day 20032.
        Object[][] rows = {
            {"acme", "logins", 20_030L, 2L, 2L, 5.5, 2.0, 3.5, 3.5, null, t + 30 * DAY + 5, t + 30 * DAY + 9, 0L, null},
            {"acme", "logins", 20_031L, 1L, 1L, 4.0, 4.0, 4.0, 4.0, null, t + 31 * DAY, t + 31 * DAY, 0L, null},
            {"acme", "logins", 20_032L, 3L, 3L, 3.0, 1.0, 1.0, 1.0, null, t + 32 * DAY + 1, t + 32 * DAY + 2, 2L, twoUsers},
            {"acme", "logins", 20_033L, 1L, 1L, -1.0, -1.0, -1.0, -1.0, null, t + 33 * DAY, t + 33 * DAY, 0L, null},
            {"acme", "plan", 20_031L, 2L, 0L, 0.0, 0.0, 0.0, 0.0, "gold", t + 31 * DAY + 7, t + 31 * DAY + 8, 0L, null},
            {"beta", "logins", 20_000L, 1L, 1L, 9.0, 9.0, 9.0, 9.0, null, t, t, 0L, null},
            {"beta", "logins", 20_001L, 1L, 1L, 8.0, 8.0, 8.0, 8.0, null, t + DAY, t + DAY, 0L, null}};
        for (Object[] row : rows) {
          for (int i = 0; i < row.length; i++) {
            insert.setObject(i + 1, row[i]);
          }
          if (row[9] == null) {
            insert.setNull(10, java.sql.Types.VARCHAR);
          }
          if (row[13] == null) {
            insert.setNull(14, java.sql.Types.BINARY);
          }
          insert.addBatch();
        }
        insert.executeBatch();
      }
      return null;
    });
    new RowRollupFold(db, 3).run(); // three rows per transaction: a block is begun by one and finished by the next

    IngestEngine engine = open(wal);
    assertEquals(
        List.of(
            new DailyRollup("acme", "logins", 20_030, 2, 5.5, 2, 3.5, 3.5, null, t + 30 * DAY + 5, t + 30 * DAY + 9, 0),
            new DailyRollup("acme", "logins", 20_031, 1, 4, 4, 4, 4, null, t + 31 * DAY, t + 31 * DAY, 0),
            new DailyRollup("acme", "logins", 20_032, 3, 3, 1, 1, 1, null, t + 32 * DAY + 1, t + 32 * DAY + 2, 2),
            new DailyRollup("acme", "logins", 20_033, 1, -1, -1, -1, -1, null, t + 33 * DAY, t + 33 * DAY, 0),
            new DailyRollup("acme", "plan", 20_031, 2, 0, 0, 0, 0, "gold", t + 31 * DAY + 7, t + 31 * DAY + 8, 0)),
        engine.rollups("acme", 20_000, 20_040));
    assertEquals(2, engine.rollups("beta", 0, 30_000).size());
    assertEquals(Set.of("logins", "plan"), engine.metrics("acme"));
    assertEquals(0L, (long) db.inTransaction(c -> {
      try (var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM ingest_rollups")) {
        rs.next();
        return rs.getLong(1);
      }
    }));

    engine.ingest(List.of(number("n1", "acme", "u-new", "logins", 10, t + 32 * DAY + 100)));
    assertEquals(3, engine.distinctUsers("acme", "logins", 20_032, 20_033), "two stored users and a new one");
    engine.checkpoint();
    DailyRollup merged = engine.rollups("acme", 20_032, 20_033).get(0);
    assertEquals(new DailyRollup("acme", "logins", 20_032, 4, 13, 1, 10, 10, null, t + 32 * DAY + 1, t + 32 * DAY + 100, 3),
        merged);
  }

  /** Records what the engine tells it. */
  static final class RecordingListener implements ChangeListener {
    final List<Map<String, Set<String>>> calls = new CopyOnWriteArrayList<>();
    volatile int flushes;
    volatile boolean failFlush;
    volatile Error throwOnSignals;

    @Override
    public void onSignals(Map<String, Set<String>> metricsByAccount) {
      Error error = throwOnSignals;
      if (error != null) {
        throw error;
      }
      Map<String, Set<String>> copy = new ConcurrentHashMap<>();
      metricsByAccount.forEach((a, m) -> copy.put(a, new HashSet<>(m)));
      calls.add(copy);
    }

    @Override
    public synchronized void flush() {
      if (failFlush) {
        throw new IllegalStateException("change feed store unavailable (simulated)");
      }
      flushes++;
    }
  }
}
