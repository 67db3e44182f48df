package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
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
    assertEquals(days(10, 40), daysOf(a3.rollups().keySet(), "m0"));
    assertEquals(METRICS * 30, a3.rollups().size());
    assertEquals(days(30, 40), daysOf(a3.users().keySet(), "m2"));
    assertEquals(userOf(3, 35), first(a3.users().get(new RollupStore.Key("m2", 35))));

    RollupStore.Snapshot a150 = read.get(account(150));
    assertEquals(days(0, 96), daysOf(a150.rollups().keySet(), "m3"));
    assertEquals(days(90, 96), daysOf(a150.users().keySet(), "m3"));
    assertEquals(userOf(150, 95), first(a150.users().get(new RollupStore.Key("m3", 95))));

    RollupStore.Snapshot a7 = read.get(account(7));
    assertEquals(days(70, 75), daysOf(a7.rollups().keySet(), "m1"));
    assertEquals(days(70, 75), daysOf(a7.users().keySet(), "m1"));
    assertEquals(72, a7.rollups().get(new RollupStore.Key("m1", 72)).sum());

    RollupStore.Snapshot a8 = read.get(account(8));
    assertEquals(days(0, 96), daysOf(a8.rollups().keySet(), "m2"));
    assertEquals(96, a8.rollups().size(), "the metric wanted only");
    assertEquals(36, a8.users().size(), "the users of the metric wanted only");
  }

  @Test
  void theBulkStatementsLookUpTheAccountsInsteadOfScanningTheTable() throws Exception {
    // Two accounts asked for: the lookup may visit every row of theirs (the days are filtered after
    // it), 2 of the 200 accounts' rows, and no more.
    long blocksOfTwo = 2L * METRICS * BLOCKS;
    long usersOfTwo = 2L * METRICS * BLOCKS * RollupBlockCodec.DAYS;
    long blocksScanned = scanCount(RollupStore.SELECT_BLOCKS_OF_ACCOUNTS, 0, 40);
    long usersScanned = scanCount(RollupStore.SELECT_USERS_OF_ACCOUNTS, 30, 41);
    assertTrue(blocksScanned <= blocksOfTwo + 1, "the blocks statement scanned " + blocksScanned + " rows");
    assertTrue(usersScanned <= usersOfTwo + 1, "the users statement scanned " + usersScanned + " rows");
  }

  /** H2's count of rows the statement looked at, bound to accounts 5 and 6 and the days [from, to). */
  private long scanCount(String sql, long from, long to) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s = c.prepareStatement("EXPLAIN ANALYZE " + sql)) {
      for (int i = 1; i <= RollupStore.ACCOUNTS_PER_STATEMENT; i++) {
        s.setString(i, account(i == 1 ? 5 : 6));
      }
      boolean blocks = sql.equals(RollupStore.SELECT_BLOCKS_OF_ACCOUNTS);
      s.setLong(RollupStore.ACCOUNTS_PER_STATEMENT + 1, blocks ? from - RollupBlockCodec.DAYS : from);
      s.setLong(RollupStore.ACCOUNTS_PER_STATEMENT + 2, to);
      try (ResultSet rs = s.executeQuery()) {
        assertTrue(rs.next());
        Matcher m = Pattern.compile("scanCount: (\\d+)").matcher(rs.getString(1));
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
