package io.healthscore.runtime.db;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.runtime.testing.TestDatabases;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The same assertions against embedded H2 and a real PostgreSQL. */
class DatabaseTest {
  @TempDir Path dataDir;

  private Database open(SqlDialect dialect) {
    return TestDatabases.open(dialect, "db-test", dataDir);
  }

  @Test
  void theEmbeddedStoresPageCacheIsTheConfiguredSizeElseAnEighthOfTheHeap() throws Exception {
    try (Database db = Database.open(
        ServiceConfig.fromMap("db-test", 0, 0, Map.of(Database.CACHE_MB, "48")).withDataDir(dataDir))) {
      assertEquals(48, cacheMaxMegabytes(db));
    }
    try (Database db = Database.open(ServiceConfig.fromMap("db-test", 0, 0, Map.of()).withDataDir(dataDir))) {
      assertEquals(Math.max(16, Runtime.getRuntime().maxMemory() / 8 / (1 << 20)), cacheMaxMegabytes(db));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Database.open(
        ServiceConfig.fromMap("db-test", 0, 0, Map.of(Database.CACHE_MB, "0")).withDataDir(dataDir)));
    assertEquals(
        "invalid value for environment variable HEALTHSCORE_DB_CACHE_MB: '0': expected at least 1 (megabytes)",
        e.getMessage());
  }

  private static long cacheMaxMegabytes(Database db) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s = c.prepareStatement(
            "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'info.CACHE_MAX_SIZE'");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return Long.parseLong(rs.getString(1));
    }
  }

  @ParameterizedTest
  @EnumSource(SqlDialect.class)
  void upsertAndInsertIgnoreReturnComparableCounts(SqlDialect dialect) {
    try (Database db = open(dialect)) {
      db.migrate("testdb/migrations");
      String upsert = db.dialect().upsertSql("items", List.of("tenant", "item_id"), List.of("quantity", "payload"));
      String insertIgnore =
          db.dialect().insertIgnoreSql("items", List.of("tenant", "item_id"), List.of("tenant", "item_id", "quantity"));
      db.inTransaction(
          c -> {
            assertEquals(1, write(c, upsert, "t", "a", 1L, new byte[] {1, 2}));
            assertEquals(1, write(c, upsert, "t", "a", 5L, new byte[] {3}));
            assertEquals(1, write(c, insertIgnore, "t", "b", 7L));
            assertEquals(0, write(c, insertIgnore, "t", "b", 8L));
            assertEquals(0, write(c, insertIgnore, "t", "a", 9L));
            return null;
          });
      assertEquals(5L, quantity(db, "a"));
      assertEquals(7L, quantity(db, "b"));
      byte[] payload =
          db.inTransaction(
              c -> {
                try (ResultSet rs = c.createStatement().executeQuery("SELECT payload FROM items WHERE item_id = 'a'")) {
                  rs.next();
                  return rs.getBytes(1);
                }
              });
      assertArrayEquals(new byte[] {3}, payload);
    }
  }

  @ParameterizedTest
  @EnumSource(SqlDialect.class)
  void failedTransactionRollsBackAndRethrows(SqlDialect dialect) {
    try (Database db = open(dialect)) {
      db.migrate("testdb/migrations");
      writeThenFail(db, "gone", db::inTransaction);
      assertEquals(-1L, quantity(db, "gone"));
      DatabaseException bad =
          assertThrows(
              DatabaseException.class,
              () -> db.inTransaction(c -> c.createStatement().executeUpdate("INSERT INTO items (tenant) VALUES ('x')")));
      assertEquals(Optional.of("23502"), bad.sqlState());
    }
  }

  @ParameterizedTest
  @EnumSource(SqlDialect.class)
  void autoCommittedStatementsStandOnTheirOwn(SqlDialect dialect) {
    try (Database db = open(dialect)) {
      db.migrate("testdb/migrations");
      writeThenFail(db, "kept", db::inAutoCommit);
      // Unlike a transaction's, the write before the failure stays.
      assertEquals(1L, quantity(db, "kept"));
    }
  }

  /** Runs, through {@code run}, work that writes the item and then fails; the failure comes back. */
  private static void writeThenFail(Database db, String itemId, Function<SqlWork<Object>, Object> run) {
    String upsert = db.dialect().upsertSql("items", List.of("tenant", "item_id"), List.of("quantity"));
    assertThrows(
        NotFoundException.class,
        () ->
            run.apply(
                c -> {
                  write(c, upsert, "t", itemId, 1L);
                  throw new NotFoundException("abort");
                }));
  }

  @ParameterizedTest
  @EnumSource(SqlDialect.class)
  void cursorStoreRoundTrip(SqlDialect dialect) {
    try (Database db = open(dialect)) {
      CursorStore cursors = new CursorStore(db);
      assertEquals(0L, cursors.load("scoring<-signals"));
      cursors.save("scoring<-signals", 41L);
      cursors.save("scoring<-signals", 42L);
      assertEquals(42L, cursors.load("scoring<-signals"));
      assertThrows(
          IllegalStateException.class,
          () ->
              db.inTransaction(
                  c -> {
                    cursors.save(c, "scoring<-signals", 99L);
                    throw new IllegalStateException("effects failed, cursor must not move");
                  }));
      assertEquals(42L, cursors.load("scoring<-signals"));
      assertEquals(42L, new CursorStore(db).load("scoring<-signals"));
    }
  }

  private static int write(Connection c, String sql, Object... values) throws Exception {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < values.length; i++) {
        s.setObject(i + 1, values[i]);
      }
      return s.executeUpdate();
    }
  }

  private static long quantity(Database db, String itemId) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement("SELECT quantity FROM items WHERE item_id = ?")) {
            s.setString(1, itemId);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? rs.getLong(1) : -1L;
            }
          }
        });
  }
}
