package io.healthscore.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.Signal;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature reads (GetFeatures live and as of, BatchGetFeatures, StreamFeatureSnapshots) on rollups
 * packed in blocks give exactly what the one-row-per-day layout gave on the same data. The
 * expected text, {@code rollup-layout-features.txt.gz}, was rendered by {@link
 * RollupLayoutScenario} on that layout; {@code rollup-layout-legacy-rows.csv.gz} holds the rows it
 * stored then (with its hash key and last checkpoint), values as raw double bits.
 */
class RollupLayoutEquivalenceTest {
  private static final String RESOURCES = "/io/healthscore/signals/";

  @TempDir Path dir;

  @Test
  void theHistoryIngestedIntoBlocksReadsAsTheRowLayoutDid() throws Exception {
    ServiceConfig config = TestSignalsServer.config(dir, Map.of());
    List<List<Signal>> parts = RollupLayoutScenario.parts();
    String expected = resource("rollup-layout-features.txt.gz");
    try (TestSignalsServer signals = TestSignalsServer.start(config, RollupLayoutScenario.clock())) {
      RollupLayoutScenario.createAccounts(signals);
      RollupLayoutScenario.ingest(signals, parts.get(0));
      signals.server().engine().checkpoint();
      RollupLayoutScenario.ingest(signals, parts.get(1));
      signals.server().engine().checkpoint();
      RollupLayoutScenario.ingest(signals, parts.get(2)); // read while still in memory
      assertSameLines(expected, RollupLayoutScenario.render(signals));
    }
    try (TestSignalsServer signals = TestSignalsServer.start(config, RollupLayoutScenario.clock())) {
      assertSameLines(expected, RollupLayoutScenario.render(signals)); // all of it from blocks now
    }
    try (Database db = Database.open(config)) {
      assertTrue(count(db, "ingest_rollup_blocks") > 0);
      assertEquals(0, count(db, "ingest_rollups"));
    }
  }

  @Test
  void aStoreOfTheRowLayoutIsFoldedIntoBlocksAtStartAndReadsAsBefore() throws Exception {
    ServiceConfig config = TestSignalsServer.config(dir, Map.of());
    try (TestSignalsServer signals = TestSignalsServer.start(config, RollupLayoutScenario.clock())) {
      RollupLayoutScenario.createAccounts(signals);
    }
    int rows;
    try (Database db = Database.open(config)) {
      rows = loadLegacyRows(db);
      assertEquals(rows, count(db, "ingest_rollups"));
    }
    try (TestSignalsServer signals = TestSignalsServer.start(config, RollupLayoutScenario.clock())) {
      assertSameLines(resource("rollup-layout-features.txt.gz"), RollupLayoutScenario.render(signals));
    }
    try (Database db = Database.open(config)) {
      assertEquals(0, count(db, "ingest_rollups"));
      long blocks = count(db, "ingest_rollup_blocks");
      assertTrue(blocks > 0 && blocks * 10 < rows, blocks + " blocks for " + rows + " rows");
    }
  }

  /** The stored rows, hash key and checkpoint of the row layout, into this store's tables. */
  private static int loadLegacyRows(Database db) {
    return db.inTransaction(c -> {
      int rows = 0;
      try (BufferedReader in = reader("rollup-layout-legacy-rows.csv.gz");
          PreparedStatement insert = c.prepareStatement(
              "INSERT INTO ingest_rollups (account_id, metric, epoch_day, signal_count, numeric_count, value_sum,"
                  + " value_min, value_max, last_value, last_label, first_at_millis, last_at_millis, distinct_users,"
                  + " user_hashes, checkpoint_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        String line;
        while ((line = in.readLine()) != null) {
          String[] f = line.split(",", -1);
          switch (f[0]) {
            case "checkpoint" -> update(c, "UPDATE ingest_checkpoint SET checkpoint_id = " + Long.parseLong(f[1]));
            case "hash_key" -> update(c, "UPDATE ingest_hash_key SET algorithm = '" + f[1] + "', key0 = "
                + Long.parseLong(f[2]) + ", key1 = " + Long.parseLong(f[3]));
            default -> {
              insert.setString(1, f[1]);
              insert.setString(2, f[2]);
              for (int i = 3; i <= 5; i++) {
                insert.setLong(i, Long.parseLong(f[i]));
              }
              for (int i = 6; i <= 9; i++) {
                insert.setDouble(i, Double.longBitsToDouble(Long.parseLong(f[i])));
              }
              if (f[10].equals("\\N")) {
                insert.setNull(10, Types.VARCHAR);
              } else {
                insert.setString(10, f[10]);
              }
              for (int i = 11; i <= 13; i++) {
                insert.setLong(i, Long.parseLong(f[i]));
              }
              if (f[14].isEmpty()) {
                insert.setNull(14, Types.BINARY);
              } else {
                insert.setBytes(14, HexFormat.of().parseHex(f[14]));
              }
              insert.setLong(15, Long.parseLong(f[15]));
              insert.addBatch();
              rows++;
            }
          }
        }
        insert.executeBatch();
      }
      return rows;
    });
  }

  private static void update(Connection c, String sql) throws Exception {
    try (Statement s = c.createStatement()) {
      assertEquals(1, s.executeUpdate(sql), sql);
    }
  }

  private static long count(Database db, String table) {
    return db.inTransaction(c -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  /** Line by line, so that a difference names the first feature that differs. */
  private static void assertSameLines(String expected, String actual) {
    List<String> want = expected.lines().toList();
    List<String> got = actual.lines().toList();
    for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
      assertEquals(want.get(i), got.get(i), "line " + (i + 1));
    }
    assertEquals(want.size(), got.size(), "lines");
  }

  private static String resource(String name) throws IOException {
    try (BufferedReader in = reader(name)) {
      StringBuilder text = new StringBuilder();
      String line;
      while ((line = in.readLine()) != null) {
        text.append(line).append('\n');
      }
      return text.toString();
    }
  }

  private static BufferedReader reader(String name) throws IOException {
    InputStream raw = RollupLayoutEquivalenceTest.class.getResourceAsStream(RESOURCES + name);
    if (raw == null) {
      throw new IOException("missing test resource " + name);
    }
    return new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8));
  }
}
