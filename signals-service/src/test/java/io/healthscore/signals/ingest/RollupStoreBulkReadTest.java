package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk read of many accounts' stored rollups: what it returns for each account's days, and that
 * its statements look up the accounts asked for instead of scanning every stored row (on H2).
 */
class RollupStoreBulkReadTest {
  private static final int ACCOUNTS = 200;
  private static final int METRICS = 4;
  /** Each account and metric has three blocks: days 0-31, 32-63 and 64-95, every day with one user. */
  private static final int BLOCKS = 3;

  @TempDir Path dir;
  private Database db;
  private RollupStore store;

  @BeforeEach
  void setUp() throws Exception {
    db = Database.open(ServiceConfig.fromMap("signals-service", 0, 0, Map.of()).withDataDir(dir));
    store = new RollupStore(db);
    store.migrate();
    List<RollupBlockTable.BlockRow> blocks = new ArrayList<>();
    List<RollupBlockTable.UserRow> users = new ArrayList<>();
    for (int a = 0; a < ACCOUNTS; a++) {
      for (int m = 0; m < METRICS; m++) {
        for (int b = 0; b < BLOCKS; b++) {
          long start = (long) b * RollupBlockCodec.DAYS;
          StoredRollup[] days = new StoredRollup[RollupBlockCodec.DAYS];
          for (int d = 0; d < days.length; d++) {
            long day = start + d;
            days[d] = new StoredRollup("m" + m, day, 1, 1, day, day, day, day, null, day * 86_400_000L,
                day * 86_400_000L, 1, 1);
            LongHashSet set = new LongHashSet();
            set.add(userOf(a, day));
            users.add(new RollupBlockTable.UserRow(
                new RollupStore.AccountKey(account(a), "m" + m, day), RollupBlockTable.encodeUsers(set)));
          }
          blocks.add(new RollupBlockTable.BlockRow(
              new RollupBlockTable.BlockKey(account(a), "m" + m, start), RollupBlockCodec.encode(start, days), 1));
        }
      }
    }
    try (Connection c = db.dataSource().getConnection()) {
      RollupBlockTable.writeBlocks(c, blocks);
      RollupBlockTable.writeUsers(c, users);
    }
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private static String account(int a) {
    return String.format("acct-%04d", a);
  }

  @Test
  void readsEachAccountsOwnDaysAndTheUsersOfThoseFromItsUsersDay() {
    Map<String, RollupStore.Snapshot> read = store.readAll(List.of(
        new RollupStore.Request(account(3), 10, 40, 30, List.of(), metric -> true),
        new RollupStore.Request(account(150), 0, 96, 90, List.of(), metric -> true),
        new RollupStore.Request(account(7), 70, 75, 0, List.of(), metric -> true),
        new RollupStore.Request(account(8), 0, 96, 60, List.of(), "m2"::equals)));

    RollupStore.Snapshot a3 = read.get(account(3));
    assertEquals(days(10, 40), daysOf(a3, "m0"));
    assertEquals(METRICS * 30, rollups(a3).size());
    List<StoredRollup> sorted = new ArrayList<>(rollups(a3));
    sorted.sort(Comparator.comparing(StoredRollup::metric).thenComparingLong(StoredRollup::epochDay));
    assertEquals(sorted, rollups(a3), "by metric, then day, as read");
    assertEquals(days(30, 40), daysOf(a3.users().keySet(), "m2"));
    assertEquals(userOf(3, 35), first(a3.users().get(new RollupStore.Key("m2", 35))));

    RollupStore.Snapshot a150 = read.get(account(150));
    assertEquals(days(0, 96), daysOf(a150, "m3"));
    assertEquals(days(90, 96), daysOf(a150.users().keySet(), "m3"));
    assertEquals(userOf(150, 95), first(a150.users().get(new RollupStore.Key("m3", 95))));

    RollupStore.Snapshot a7 = read.get(account(7));
    assertEquals(days(70, 75), daysOf(a7, "m1"));
    assertEquals(days(70, 75), daysOf(a7.users().keySet(), "m1"));
    assertEquals(72, a7.get("m1", 72).sum());

    RollupStore.Snapshot a8 = read.get(account(8));
    assertEquals(days(0, 96), daysOf(a8, "m2"));
    assertEquals(96, rollups(a8).size(), "the metric wanted only");
    assertEquals(36, a8.users().size(), "the users of the metric wanted only");
  }

  @Test
  void theBulkStatementsLookUpTheAccountsInsteadOfScanningTheTable() throws Exception {
    // Two accounts asked for: the lookup may visit every row of theirs (the days are filtered after
    // it), 2 of the 200 accounts' rows, and H2 counts one more for each place of the statement's
    // list of accounts it looked up (the unused places too); no more.
    long blocksOfTwo = 2L * METRICS * BLOCKS;
    long usersOfTwo = 2L * METRICS * BLOCKS * RollupBlockCodec.DAYS;
    long lookups = RollupStore.ACCOUNTS_PER_STATEMENT;
    long blocksScanned = scanCount(RollupStore.SELECT_BLOCKS_OF_ACCOUNTS, 0, 40);
    long usersScanned = scanCount(RollupStore.SELECT_USERS_OF_ACCOUNTS, 30, 41);
    assertTrue(blocksScanned <= blocksOfTwo + lookups, "the blocks statement scanned " + blocksScanned + " rows");
    assertTrue(usersScanned <= usersOfTwo + lookups, "the users statement scanned " + usersScanned + " rows");
  }

  @Test
  void theCheckpointsKeyedReadsReturnTheStoredKeysAskedForAndNoOthers() throws Exception {
    // More keys than one statement takes, the last statement part-filled, some keys not stored.
    List<RollupBlockTable.BlockKey> blockKeys = new ArrayList<>();
    List<RollupStore.AccountKey> userKeys = new ArrayList<>();
    TreeSet<String> storedBlocks = new TreeSet<>();
    TreeSet<String> storedUsers = new TreeSet<>();
    for (int a = 0; a < RollupBlockTable.BLOCKS_PER_STATEMENT + 20; a++) {
      boolean stored = a < ACCOUNTS && a % 3 != 0;
      String account = stored ? account(a) : "missing-" + a;
      blockKeys.add(new RollupBlockTable.BlockKey(account, "m1", RollupBlockCodec.DAYS));
      userKeys.add(new RollupStore.AccountKey(account, "m2", 40));
      if (stored) {
        storedBlocks.add(account);
        storedUsers.add(account);
      }
    }
    try (Connection c = db.dataSource().getConnection()) {
      Map<RollupBlockTable.BlockKey, RollupBlockTable.Block> blocks = RollupBlockTable.readBlocks(c, blockKeys);
      Map<RollupStore.AccountKey, LongHashSet> users = RollupBlockTable.readUsers(c, userKeys);
      TreeSet<String> blockAccounts = new TreeSet<>();
      blocks.forEach((k, b) -> {
        assertEquals("m1", k.metric());
        assertEquals(RollupBlockCodec.DAYS, k.blockStart());
        assertEquals(40, RollupBlockCodec.decode(b.rollups(), k.metric(), k.blockStart(), b.checkpointId())[8].sum());
        blockAccounts.add(k.accountId());
      });
      TreeSet<String> userAccounts = new TreeSet<>();
      users.forEach((k, set) -> {
        assertEquals("m2", k.metric());
        assertEquals(40, k.epochDay());
        userAccounts.add(k.accountId());
      });
      assertEquals(storedBlocks, blockAccounts);
      assertEquals(storedUsers, userAccounts);
      assertEquals(userOf(5, 40), first(users.get(new RollupStore.AccountKey(account(5), "m2", 40))));
    }
  }

  /** H2's count of rows the statement looked at, bound to accounts 5 and 6 and the days [from, to). */
  private long scanCount(String sql, long from, long to) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s = c.prepareStatement("EXPLAIN ANALYZE " + sql)) {
      s.setString(1, account(5));
      s.setString(2, account(6));
      for (int i = 3; i <= RollupStore.ACCOUNTS_PER_STATEMENT; i++) {
        s.setNull(i, Types.VARCHAR);
      }
      boolean blocks = sql.equals(RollupStore.SELECT_BLOCKS_OF_ACCOUNTS);
      s.setLong(RollupStore.ACCOUNTS_PER_STATEMENT + 1, blocks ? from - RollupBlockCodec.DAYS : from);
      s.setLong(RollupStore.ACCOUNTS_PER_STATEMENT + 2, to);
      try (ResultSet rs = s.executeQuery()) {
        assertTrue(rs.next());
        // The stored table's count, not the one of the VALUES list of accounts joined to it.
        Matcher m = Pattern.compile("(?s)\"INGEST_ROLLUP_\\w+\".*?scanCount: (\\d+)").matcher(rs.getString(1));
        assertTrue(m.find(), rs.getString(1));
        return Long.parseLong(m.group(1));
      }
    }
  }

  private static TreeSet<Long> days(long from, long to) {
    TreeSet<Long> days = new TreeSet<>();
    for (long d = from; d < to; d++) {
      days.add(d);
    }
    return days;
  }

  /** The snapshot's rollups in its order (by metric, then day). */
  private static List<StoredRollup> rollups(RollupStore.Snapshot snapshot) {
    List<StoredRollup> all = new ArrayList<>();
    snapshot.forEachInOrder(all::add);
    return all;
  }

  private static TreeSet<Long> daysOf(RollupStore.Snapshot snapshot, String metric) {
    TreeSet<Long> days = new TreeSet<>();
    for (StoredRollup r : rollups(snapshot)) {
      if (r.metric().equals(metric)) {
        days.add(r.epochDay());
      }
    }
    return days;
  }

  private static TreeSet<Long> daysOf(Iterable<RollupStore.Key> keys, String metric) {
    TreeSet<Long> days = new TreeSet<>();
    for (RollupStore.Key k : keys) {
      if (k.metric().equals(metric)) {
        days.add(k.epochDay());
      }
    }
    return days;
  }

  /** The one user of the account's every rollup on that day (a hash is never 0). */
  private static long userOf(int account, long day) {
    return account * 1_000L + day + 1;
  }

  private static long first(LongHashSet set) {
    assertEquals(1, set.size());
    return set.toArray()[0];
  }
}
