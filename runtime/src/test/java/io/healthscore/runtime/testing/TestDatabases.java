package io.healthscore.runtime.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.SqlDialect;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Opens a {@link Database} of either dialect for a test: embedded in a directory, or PostgreSQL in a fresh schema. */
public final class TestDatabases {
  private TestDatabases() {}

  /**
   * A database of {@code dialect} owned by {@code owner}; a PostgreSQL test is skipped outside CI
   * when none is reachable (and fails in CI, see {@link PostgresTestSupport}).
   */
  public static Database open(SqlDialect dialect, String owner, Path dataDir) {
    Map<String, String> env = Map.of();
    if (dialect == SqlDialect.POSTGRESQL) {
      Optional<String> url = PostgresTestSupport.jdbcUrl();
      assumeTrue(url.isPresent(), "no PostgreSQL reachable");
      env = Map.of(ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(url.get()));
    }
    Database db = Database.open(ServiceConfig.fromMap(owner, 0, 0, env).withDataDir(dataDir));
    assertEquals(dialect, db.dialect());
    return db;
  }
}
