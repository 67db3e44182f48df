package io.healthscore.runtime.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;

/**
 * Finds the PostgreSQL that tests of the production path run against.
 *
 * <p>HEALTHSCORE_TEST_PG_URL names it (default {@value #DEFAULT_URL}, trust auth). Outside CI an
 * unreachable database yields empty, so tests skip with {@code assumeTrue(url.isPresent())}; in CI
 * (env CI set and not "false") it fails instead, so the production path is never silently untested.
 */
public final class PostgresTestSupport {
  public static final String URL_VARIABLE = "HEALTHSCORE_TEST_PG_URL";
  public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private static volatile Optional<String> probed;

  private PostgresTestSupport() {}

  /** The URL of a reachable test PostgreSQL, or empty outside CI when there is none. */
  public static Optional<String> jdbcUrl() {
    Optional<String> result = probed;
    if (result == null) {
      result = probe();
      probed = result;
    }
    return result;
  }

  private static Optional<String> probe() {
    String url = Optional.ofNullable(System.getenv(URL_VARIABLE)).filter(s -> !s.isBlank()).orElse(DEFAULT_URL);
    DriverManager.setLoginTimeout(5);
    try (Connection c = DriverManager.getConnection(url)) {
      return Optional.of(url);
    } catch (SQLException e) {
      String ci = System.getenv("CI");
      if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
        throw new AssertionError(
            "PostgreSQL tests must run in CI but " + url + " is unreachable (" + e.getMessage()
                + "); start PostgreSQL or set " + URL_VARIABLE,
            e);
      }
      return Optional.empty();
    }
  }

  /**
   * Creates a schema of its own for one test and returns {@code url} pointing at it, so tests
   * running at once (or again) never see each other's tables.
   */
  public static String freshSchema(String url) {
    String schema = "test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new AssertionError("cannot create schema " + schema + " at " + url, e);
    }
    return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }
}
