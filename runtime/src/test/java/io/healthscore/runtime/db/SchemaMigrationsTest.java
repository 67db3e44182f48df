package io.healthscore.runtime.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.PostgresTestSupport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Flyway migrations on H2 and a real PostgreSQL: fresh, upgraded from the earlier migrator, tampered. */
class SchemaMigrationsTest {
  private static final String FOLDER = "testdb/migrations";
  private static final String OWNER = "db-test";

  @TempDir Path dataDir;

  /** A database URL for {@code dialect}: a file of its own on H2, a schema of its own on PostgreSQL. */
  private Map<String, String> env(SqlDialect dialect) {
    if (dialect == SqlDialect.H2) {
      return Map.of();
    }
    Optional<String> url = PostgresTestSupport.jdbcUrl();
    assumeTrue(url.isPresent(), "no PostgreSQL reachable");
    return Map.of(ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(url.get()));
  }

  private Database open(Map<String, String> env) {
    return Database.open(ServiceConfig.fromMap(OWNER, 0, 0, env).withDataDir(dataDir));
  }

  @ParameterizedTest
  @EnumSource(SqlDialect.class)
  void aFreshDatabaseGetsEveryMigrationOnceWithItsChecksum(SqlDialect dialect) {
    Map<String, String> env = env(dialect);
    try (Database db = open(env)) {
      assertEquals(2, db.migrate(FOLDER));
      assertEquals(0, db.migrate(FOLDER));
      assertEquals(List.of("1 create items true", "2 add blob true"), history(db));
      insertItemWithPayload(db);
    }
    try (Database reopened = open(env)) {
      assertEquals(0, reopened.migrate(FOLDER), "a restart validates and applies nothing");
    }
  }

  @ParameterizedTest
  @EnumSource(SqlDialect.class)
  void aDatabaseOfTheEarlierMigratorIsTakenOverAtItsLastVersion(SqlDialect dialect) {
    Map<String, String> env = env(dialect);
    try (Database db = open(env)) {
      // What the earlier migrator left after V1: its table of applied versions, and V1's tables.
      db.inTransaction(c -> {
        execute(c, "CREATE TABLE schema_migrations (service VARCHAR(100) NOT NULL, version INTEGER NOT NULL, "
            + "name VARCHAR(200) NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY (service, version))");
        execute(c, "INSERT INTO schema_migrations VALUES ('" + OWNER + "', 1, 'create_items', CURRENT_TIMESTAMP)");
        execute(c, "INSERT INTO schema_migrations VALUES ('another-owner', 1, 'something_else', CURRENT_TIMESTAMP)");
        for (String statement : resource(FOLDER + "/V1__create_items.sql").split(";\\s*\\n")) {
          if (!statement.isBlank()) {
            execute(c, statement.replaceAll("(?m)^--.*$", ""));
          }
        }
        execute(c, "INSERT INTO items (tenant, item_id, quantity) VALUES ('t', 'kept', 3)");
        return null;
      });
      assertEquals(1, db.migrate(FOLDER), "only V2 runs");
      assertEquals(List.of("1 migrated by an earlier version (schema_migrations) true", "2 add blob true"), history(db));
      assertEquals(3L, (long) db.inTransaction(c -> single(c, "SELECT quantity FROM items WHERE item_id = 'kept'")));
      insertItemWithPayload(db);
    }
    try (Database reopened = open(env)) {
      assertEquals(0, reopened.migrate(FOLDER));
    }
  }

  @ParameterizedTest
  @EnumSource(SqlDialect.class)
  void aChangedAppliedMigrationStopsTheStart(SqlDialect dialect) {
    Map<String, String> env = env(dialect);
    try (Database db = open(env)) {
      db.migrate(FOLDER);
    }
    try (Database db = open(env)) {
      IllegalStateException refused = assertThrows(IllegalStateException.class, () -> db.migrate("testdb/tampered", OWNER));
      assertTrue(refused.getMessage().contains("An applied migration must never change"), refused.getMessage());
      assertTrue(refused.getMessage().contains("checksum mismatch for migration version 1"), refused.getMessage());
      assertEquals(List.of("1 create items true", "2 add blob true"), history(db), "nothing recorded");
    }
  }

  @Test
  void anEarlierRecordThatNamesAnotherMigrationIsRefused() {
    try (Database db = open(Map.of())) {
      db.inTransaction(c -> {
        execute(c, "CREATE TABLE schema_migrations (service VARCHAR(100) NOT NULL, version INTEGER NOT NULL, "
            + "name VARCHAR(200) NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY (service, version))");
        execute(c, "INSERT INTO schema_migrations VALUES ('" + OWNER + "', 1, 'create_orders', CURRENT_TIMESTAMP)");
        return null;
      });
      IllegalStateException refused = assertThrows(IllegalStateException.class, () -> db.migrate(FOLDER));
      assertEquals(
          OWNER + ": this database applied migration V1 'create_orders' (schema_migrations), which " + FOLDER
              + " of this build names 'create items': start the version that created it, or a newer one",
          refused.getMessage());
    }
  }

  /** Replicas starting together on one PostgreSQL: each migration runs once, every replica starts. */
  @Test
  void replicasStartingTogetherMigrateOnce() throws Exception {
    Map<String, String> env = env(SqlDialect.POSTGRESQL);
    int replicas = 4;
    List<Database> dbs = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(replicas);
    try {
      for (int i = 0; i < replicas; i++) {
        dbs.add(open(env));
      }
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> runs = new ArrayList<>();
      for (Database db : dbs) {
        Callable<Integer> run = () -> {
          go.await();
          return db.migrate(FOLDER);
        };
        runs.add(pool.submit(run));
      }
      go.countDown();
      int applied = 0;
      for (Future<Integer> run : runs) {
        applied += run.get();
      }
      assertEquals(2, applied);
      assertEquals(List.of("1 create items true", "2 add blob true"), history(dbs.get(0)));
    } finally {
      pool.shutdownNow();
      dbs.forEach(Database::close);
    }
  }

  private static List<String> history(Database db) {
    return db.inTransaction(c -> {
      List<String> rows = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT \"version\", \"description\", \"success\" FROM \""
              + SchemaMigrations.historyTable(OWNER) + "\" WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
        while (rs.next()) {
          rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getBoolean(3));
        }
      }
      return rows;
    });
  }

  private static void insertItemWithPayload(Database db) {
    db.inTransaction(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO items (tenant, item_id, quantity, payload, note) VALUES ('t', ?, 1, ?, 'n')")) {
        s.setString(1, "new-" + System.nanoTime());
        s.setBytes(2, new byte[] {1});
        return s.executeUpdate();
      }
    });
  }

  private static long single(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static String resource(String name) {
    try (InputStream in = SchemaMigrationsTest.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
