package io.healthscore.scoring.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.healthscore.scoring.cache.ScoreKey;
import io.healthscore.v1.Band;
import io.healthscore.v1.ScoreChange;
import io.healthscore.v1.ScoreOrder;
import io.healthscore.v1.Scorecard;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stores' SQL on the embedded H2 and on a real PostgreSQL (HEALTHSCORE_DB_URL path). */
class ScoringStoresTest {
  @TempDir Path dir;
  Database db;

  Database open(String kind) {
    Map<String, String> env = new HashMap<>();
    if (kind.equals("postgresql")) {
      var url = PostgresTestSupport.jdbcUrl();
      Assumptions.assumeTrue(url.isPresent(), "no PostgreSQL reachable (outside CI)");
      env.put(ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(url.get()));
    }
    db = ScoringDatabase.migrate(Database.open(ServiceConfig.fromMap("scoring-service", 0, 0, env).withDataDir(dir)));
    return db;
  }

  CacheNotices notices() {
    return new CacheNotices(db, "test-replica");
  }

  @AfterEach
  void close() {
    if (db != null) {
      db.close();
    }
  }

  static StoredScore row(String account, String segment, double score, Band band, double mrr, boolean primary) {
    return new StoredScore(account, "card", 3, primary, segment, mrr, score, band, score, band, 0.8, false,
        Double.NaN, "", mrr * 0.1, false, "", 1000, new byte[] {1, 2, 3});
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void scorecardsGetIncreasingVersions(String kind) {
    ScorecardStore store = new ScorecardStore(open(kind), notices());
    Scorecard sc = Scorecard.newBuilder().setScorecardId("card").setName("v").build();
    assertEquals(1, store.put(sc, 1000).getVersion());
    Scorecard second = store.put(sc.toBuilder().setName("second").build(), 2000);
    assertEquals(2, second.getVersion());
    assertEquals(2000, Timestamps.toMillis(second.getUpdateTime()));
    assertEquals("v", store.get("card", 1).orElseThrow().getName());
    assertEquals("second", store.get("card", 0).orElseThrow().getName());
    assertTrue(store.get("card", 3).isEmpty());
    store.put(Scorecard.newBuilder().setScorecardId("another").build(), 3000);
    assertEquals(List.of("another", "card"), store.listLatest().stream().map(Scorecard::getScorecardId).toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void scoresUpsertFilterOrderAndPage(String kind) throws Exception {
    ScoreStore store = new ScoreStore(open(kind));
    db.inTransaction(
        c -> {
          store.upsert(c, List.of(
              row("a", "smb", 2.0, Band.BAND_RED, 100, true),
              row("b", "smb", 5.0, Band.BAND_YELLOW, 900, true),
              row("c", "ent", 8.0, Band.BAND_GREEN, 50, true),
              row("d", "smb", 5.0, Band.BAND_YELLOW, 10, false)));
          store.upsert(c, List.of(row("a", "smb", 3.0, Band.BAND_RED, 100, true)));
          return null;
        });
    StoredScore a = store.get("a", "card").orElseThrow();
    assertEquals(3.0, a.score());
    assertTrue(Double.isNaN(a.churnProbability()));
    assertArrayEquals(new byte[] {1, 2, 3}, a.state());

    ScoreQuery all = new ScoreQuery(null, Set.of(), null, Double.NaN, Double.NaN, ScoreOrder.SCORE_ORDER_SCORE_ASC, 2, null);
    List<StoredScore> page = store.page(all);
    assertEquals(List.of("a", "b"), page.stream().map(StoredScore::accountId).toList());
    assertEquals(3, store.count(all));
    ScoreQuery next = new ScoreQuery(null, Set.of(), null, Double.NaN, Double.NaN, ScoreOrder.SCORE_ORDER_SCORE_ASC, 2,
        new ScoreQuery.Position(5.0, "b"));
    assertEquals(List.of("c"), store.page(next).stream().map(StoredScore::accountId).toList());
    ScoreQuery risk = new ScoreQuery("card", Set.of(Band.BAND_YELLOW, Band.BAND_RED), "smb", 1, 6,
        ScoreOrder.SCORE_ORDER_MRR_AT_RISK_DESC, 10, null);
    assertEquals(List.of("b", "a", "d"), store.page(risk).stream().map(StoredScore::accountId).toList());
    db.inTransaction(c -> {
      store.deleteExcept(c, "d", Set.of("other"));
      store.deleteExcept(c, "a", Set.of("other", "card"));
      return null;
    });
    assertTrue(store.get("d", "card").isEmpty());
    assertEquals(List.of("a", "b", "c"), store.accountIds("card").stream().sorted().toList());
    db.inTransaction(c -> {
      store.deleteExcept(c, "c", Set.of());
      return null;
    });
    assertEquals(List.of("a", "b"), store.accountIds("card").stream().sorted().toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void changeLogCursorsIncreaseAndSurviveReopen(String kind) {
    ScoreChangeLog log = new ScoreChangeLog(open(kind));
    ScoreHistoryStore history = new ScoreHistoryStore(db);
    int[] woken = new int[1];
    log.addListener(() -> woken[0]++);
    long[] cursors =
        log.commit(
            (c, appender) -> {
              long first = appender.append(change("a", 1000));
              long second = appender.append(change("b", 2000));
              history.append(c, List.of(new HistoryPoint("a", "card", first, 1000, 4, Band.BAND_YELLOW, 4, 1, 1, false)));
              return new long[] {first, second};
            });
    assertEquals(1, cursors[0]);
    assertEquals(2, cursors[1]);
    assertEquals(1, woken[0]);
    List<ScoreChange> read = log.read(1, 10);
    assertEquals(1, read.size());
    assertEquals("b", read.get(0).getAccountId());
    assertEquals(2, read.get(0).getCursor());

    // A failed transaction hands out no cursor and writes nothing.
    assertThrows(IllegalStateException.class, () -> log.commit((c, appender) -> {
      appender.append(change("x", 3000));
      throw new IllegalStateException("boom");
    }));
    assertEquals(2, log.lastCursor());

    // Pruning keeps the newest change, so a reopened log continues after it.
    assertEquals(1, log.prune(Long.MAX_VALUE));
    assertEquals(2, new ScoreChangeLog(db).lastCursor());
    assertEquals(4.0, history.scoresAsOf("a", "card", 1500)[0].getAsDouble());
    assertTrue(history.scoresAsOf("a", "card", 500)[0].isEmpty());
  }

  /**
   * The bulk read of scores as of the trend moments, over more scores than one statement takes (the
   * last statement part-filled, two scorecards), gives each score what the read of that score alone
   * gives: the last point at or before each moment, the later of two at the same time, empty before
   * the first point and for a score without history.
   */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void scoresAsOfManyScoresMatchEachScoreReadAlone(String kind) {
    open(kind);
    ScoreHistoryStore history = new ScoreHistoryStore(db);
    List<HistoryPoint> points = new ArrayList<>();
    List<ScoreKey> keys = new ArrayList<>();
    long seq = 0;
    for (int a = 0; a < ScoreStore.IN_CHUNK + 40; a++) {
      String card = a % 7 == 0 ? "other" : "card";
      keys.add(new ScoreKey("acct-" + a, card));
      if (a % 5 == 4) {
        continue; // no history
      }
      // Points at 1000 + a, 2000 (two, the later seq wins) and 3000 + a: each account's own values.
      points.add(new HistoryPoint("acct-" + a, card, ++seq, 1000 + a, a, Band.BAND_RED, a, 1, 1, false));
      points.add(new HistoryPoint("acct-" + a, card, ++seq, 2000, a + 0.25, Band.BAND_YELLOW, a, 1, 1, false));
      points.add(new HistoryPoint("acct-" + a, card, ++seq, 2000, a + 0.5, Band.BAND_YELLOW, a, 1, 1, false));
      points.add(new HistoryPoint("acct-" + a, card, ++seq, 3000 + a, a + 0.75, Band.BAND_GREEN, a, 1, 1, false));
    }
    db.inTransaction(c -> {
      history.append(c, points);
      return null;
    });
    long[] moments = {500, 1200, 2000, 2500, 3300, 10_000};
    Map<ScoreKey, OptionalDouble[]> bulk = history.scoresAsOf(keys, moments);
    assertEquals(keys.size(), bulk.size());
    for (ScoreKey k : keys) {
      assertArrayEquals(history.scoresAsOf(k.accountId(), k.scorecardId(), moments), bulk.get(k), k.toString());
    }
    int a = 13;
    OptionalDouble[] one = bulk.get(new ScoreKey("acct-" + a, "card"));
    assertTrue(one[0].isEmpty());
    assertEquals(a, one[1].getAsDouble());
    assertEquals(a + 0.5, one[2].getAsDouble());
    assertEquals(a + 0.5, one[3].getAsDouble());
    assertEquals(a + 0.75, one[4].getAsDouble());
    assertTrue(bulk.get(new ScoreKey("acct-14", "other"))[5].isEmpty(), "no history");
    assertEquals(7.75, bulk.get(new ScoreKey("acct-7", "other"))[5].getAsDouble());
  }

  /**
   * The bulk read's first-point query reads only the points at or before the latest trend moment
   * (an index range), not every point of every score: a history newer than the moments costs no
   * reads (on H2, by its own scan count; it read all 20 points of each of the 2 accounts before).
   */
  @Test
  void theFirstPointQueryReadsOnlyPointsAsOldAsTheMoments() throws Exception {
    open("h2");
    ScoreHistoryStore history = new ScoreHistoryStore(db);
    List<HistoryPoint> points = new ArrayList<>();
    long seq = 0;
    for (int a = 0; a < 50; a++) {
      for (int p = 0; p < 20; p++) {
        points.add(new HistoryPoint("acct-" + a, "card", ++seq, 10_000 + p, p, Band.BAND_RED, p, 1, 1, false));
      }
    }
    db.inTransaction(c -> {
      history.append(c, points);
      return null;
    });
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s = c.prepareStatement("EXPLAIN ANALYZE " + ScoreHistoryStore.FIRST_POINTS)) {
      s.setString(1, "acct-5");
      s.setString(2, "acct-6");
      for (int i = 3; i <= ScoreStore.IN_CHUNK; i++) {
        s.setNull(i, Types.VARCHAR);
      }
      s.setString(ScoreStore.IN_CHUNK + 1, "card");
      s.setLong(ScoreStore.IN_CHUNK + 2, 9_000);
      try (ResultSet rs = s.executeQuery()) {
        assertTrue(rs.next());
        Matcher m = Pattern.compile("(?s)\"SCORE_HISTORY\".*?scanCount: (\\d+)").matcher(rs.getString(1));
        assertTrue(m.find(), rs.getString(1));
        // One per place of the list of accounts looked up (the unused ones too), and no point read.
        assertTrue(Long.parseLong(m.group(1)) <= ScoreStore.IN_CHUNK + 2, rs.getString(1));
      }
    }
    assertTrue(history.scoresAsOf(List.of(new ScoreKey("acct-5", "card")), 9_000).get(new ScoreKey("acct-5", "card"))[0]
        .isEmpty());
    assertEquals(19.0, history.scoresAsOf("acct-5", "card", 9_000, 20_000)[1].getAsDouble());
  }

  /**
   * Two replicas appending to one PostgreSQL at once: cursors never collide (they did when each
   * replica counted MAX()+1 in its own memory), commit in cursor order, and each replica's log
   * learns of the other's changes.
   */
  @Test
  void replicasSharingPostgresqlAppendWithDistinctIncreasingCursors() throws Exception {
    var url = PostgresTestSupport.jdbcUrl();
    Assumptions.assumeTrue(url.isPresent(), "no PostgreSQL reachable (outside CI)");
    Map<String, String> env = Map.of(ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(url.get()));
    try (Database one = ScoringDatabase.migrate(Database.open(ServiceConfig.fromMap("scoring-service", 0, 0, env)));
        Database two = ScoringDatabase.migrate(Database.open(ServiceConfig.fromMap("scoring-service", 0, 0, env)))) {
      ScoreChangeLog a = new ScoreChangeLog(one);
      ScoreChangeLog b = new ScoreChangeLog(two);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<Long>> cursors = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        ScoreChangeLog log = i % 2 == 0 ? a : b;
        String account = "acct-" + i;
        cursors.add(pool.submit(() -> log.commit((c, appender) -> appender.append(change(account, 1000)))));
      }
      Set<Long> distinct = new TreeSet<>();
      for (Future<Long> f : cursors) {
        distinct.add(f.get(30, TimeUnit.SECONDS));
      }
      pool.shutdown();
      assertEquals(40, distinct.size(), "no cursor handed out twice");
      assertEquals(List.copyOf(distinct), LongStream.rangeClosed(1, 40).boxed().toList());
      a.refresh();
      b.refresh();
      assertEquals(40, a.lastCursor());
      assertEquals(40, b.lastCursor());
      assertEquals(40, b.read(0, 100).size());
      assertEquals(LongStream.rangeClosed(1, 40).boxed().toList(),
          b.read(0, 100).stream().map(ScoreChange::getCursor).toList());
    }
  }

  static ScoreChange change(String account, long at) {
    return ScoreChange.newBuilder().setAccountId(account).setScorecardId("card").setChangeTime(Timestamps.fromMillis(at)).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void overridesKeepEveryChangeForAudit(String kind) {
    OverrideStore store = new OverrideStore(open(kind), notices());
    OverrideRecord o = new OverrideRecord("a", "card", Double.NaN, Band.BAND_RED, "champion left", "csm", 1000, 5000);
    db.inTransaction(c -> {
      store.set(c, o);
      return null;
    });
    store.applied(o);
    db.inTransaction(c -> {
      store.clear(c, o, "clear", "resolved", "lead", 2000);
      return null;
    });
    store.removed(o);
    assertTrue(store.get("a", "card").isEmpty());
    List<OverrideStore.AuditEntry> audit = store.audit("a", "card");
    assertEquals(List.of("set", "clear"), audit.stream().map(OverrideStore.AuditEntry::action).toList());
    assertEquals("lead", audit.get(1).actor());
    assertTrue(Double.isNaN(audit.get(0).score()));
    // A reopened store loads overrides in force.
    OverrideRecord kept = new OverrideRecord("b", "card", 3, Band.BAND_RED, "why", "csm", 1000, 0);
    db.inTransaction(c -> {
      store.set(c, kept);
      return null;
    });
    assertEquals(kept, new OverrideStore(db, notices()).get("b", "card").orElseThrow());
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void activatingAModelDeactivatesThePrevious(String kind) {
    ModelStore store = new ModelStore(open(kind), notices());
    store.save(new StoredModel("m1", "card", 90, 1000, true, new byte[] {1}, new byte[0]));
    store.save(new StoredModel("m2", "card", 90, 2000, true, new byte[] {2}, new byte[0]));
    store.save(new StoredModel("m3", "card", 90, 3000, false, new byte[] {3}, new byte[0]));
    assertEquals(List.of("m2"), store.active().stream().map(StoredModel::modelId).toList());
    assertFalse(store.get("m1").orElseThrow().active());
    assertTrue(store.get("none").isEmpty());
  }
}
