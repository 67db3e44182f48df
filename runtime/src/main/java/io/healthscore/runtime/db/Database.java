package io.healthscore.runtime.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.healthscore.runtime.config.ServiceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The service's SQL store: PostgreSQL when HEALTHSCORE_DB_URL says so, otherwise an embedded H2
 * file under the data directory, behind one pooled DataSource and the same JDBC code.
 *
 * <p>Durability: a transaction that committed is on disk on both databases (see {@link
 * DurableCommits} for what H2 needs for that), so acknowledge a write only after its commit.
 *
 * <p>Variables: HEALTHSCORE_DB_POOL_SIZE (default 10) sizes the connection pool.
 */
public final class Database implements AutoCloseable {
  public static final String POOL_SIZE = "HEALTHSCORE_DB_POOL_SIZE";

  /** Migrations shipped in the runtime (stream cursors) are recorded under this owner. */
  static final String RUNTIME_OWNER = "healthscore-runtime";

  private final String serviceName;
  private final HikariDataSource pool;
  private final DataSource dataSource;
  private final SqlDialect dialect;
  private final SchemaMigrations migrations;

  private Database(String serviceName, HikariDataSource pool, SqlDialect dialect) {
    this.serviceName = serviceName;
    this.pool = pool;
    this.dialect = dialect;
    this.dataSource = dialect == SqlDialect.H2 ? new DurableCommits(pool) : pool;
    this.migrations = new SchemaMigrations(this);
  }

  /**
   * Opens the configured database: {@code config.dbUrl()} if set (jdbc:postgresql: or jdbc:h2:),
   * else {@code jdbc:h2:file:<dataDir>/<serviceName>}, creating the data directory.
   */
  public static Database open(ServiceConfig config) {
    String url;
    SqlDialect dialect;
    if (config.dbUrl().isPresent()) {
      url = config.dbUrl().get();
      if (url.startsWith("jdbc:postgresql:")) {
        dialect = SqlDialect.POSTGRESQL;
      } else if (url.startsWith("jdbc:h2:")) {
        dialect = SqlDialect.H2;
      } else {
        throw new IllegalArgumentException(
            "invalid value for environment variable " + ServiceConfig.DB_URL
                + ": expected a jdbc:postgresql: or jdbc:h2: URL");
      }
    } else {
      Path dir = config.dataDir().toAbsolutePath();
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create data directory " + dir, e);
      }
      // DB_CLOSE_ON_EXIT=FALSE: the service closes the database itself after draining calls,
      // instead of H2 closing it under in-flight handlers when the JVM starts exiting.
      url = "jdbc:h2:file:" + dir.resolve(config.serviceName()) + ";DB_CLOSE_ON_EXIT=FALSE";
      dialect = SqlDialect.H2;
    }
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(url);
    hikari.setPoolName(config.serviceName() + "-db");
    hikari.setMaximumPoolSize(config.getInt(POOL_SIZE, 10));
    return new Database(config.serviceName(), new HikariDataSource(hikari), dialect);
  }

  /** Pooled connections; on H2, commits through them are made durable before returning. */
  public DataSource dataSource() {
    return dataSource;
  }

  public SqlDialect dialect() {
    return dialect;
  }

  /**
   * Runs {@code work} in one transaction: commits (durably) and returns its result, or rolls back
   * and rethrows. Runtime exceptions (including ApiException) pass through unchanged; checked ones
   * arrive wrapped in a DatabaseException.
   */
  public <T> T inTransaction(SqlWork<T> work) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (Exception | Error e) {
        rollbackQuietly(c, e);
        throw e;
      }
      // No need to restore auto-commit: the pool resets it when the connection comes back.
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new DatabaseException("transaction failed: " + e.getMessage(), e);
    }
  }

  private static void rollbackQuietly(Connection c, Throwable failure) {
    try {
      c.rollback();
    } catch (SQLException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
    }
  }

  /**
   * Applies the service's migrations from {@code classpathFolder} (see {@link SchemaMigrations} for
   * the layout), recorded under the service name. Returns how many ran.
   */
  public int migrate(String classpathFolder) {
    return migrate(classpathFolder, serviceName);
  }

  /** Applies migrations recorded under {@code owner}, for schema shared by several services. */
  public int migrate(String classpathFolder, String owner) {
    synchronized (migrations) {
      return migrations.migrate(classpathFolder, owner);
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
