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
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The service's SQL store: PostgreSQL when HEALTHSCORE_DB_URL says so, otherwise an embedded H2
 * file under the data directory, behind one pooled DataSource and the same JDBC code.
 *
 * <p>Durability: a transaction that committed is on disk on both databases (see {@link
 * DurableCommits} for what H2 needs for that), so acknowledge a write only after its commit.
 *
 * <p>Variables: HEALTHSCORE_DB_POOL_SIZE (default 10) sizes the connection pool;
 * HEALTHSCORE_DB_CACHE_MB (default an eighth of the heap, at least 16) sizes the embedded H2's page
 * cache, which is H2's own 16 MB otherwise.
 */
public final class Database implements AutoCloseable {
  public static final String POOL_SIZE = "HEALTHSCORE_DB_POOL_SIZE";
  public static final String CACHE_MB = "HEALTHSCORE_DB_CACHE_MB";

  /** Migrations shipped in the runtime (stream cursors) are recorded under this owner. */
  static final String RUNTIME_OWNER = "healthscore-runtime";

  private final String serviceName;
  private final HikariDataSource pool;
  private final DataSource dataSource;
  private final SqlDialect dialect;
  private final SchemaMigrations migrations;
  /** Null on PostgreSQL, which runs apart and takes writes again by itself once space is back. */
  private final EmbeddedStoreFailure embeddedFailure;

  private Database(String serviceName, HikariDataSource pool, SqlDialect dialect, Path embeddedDir) {
    this.serviceName = serviceName;
    this.pool = pool;
    this.dialect = dialect;
    this.embeddedFailure = dialect == SqlDialect.H2 ? new EmbeddedStoreFailure(embeddedDir) : null;
    this.dataSource = dialect == SqlDialect.H2 ? new DurableCommits(pool, embeddedFailure) : pool;
    this.migrations = new SchemaMigrations(this);
  }

  /**
   * Opens the configured database: {@code config.dbUrl()} if set (jdbc:postgresql: or jdbc:h2:),
   * else {@code jdbc:h2:file:<dataDir>/<serviceName>}, creating the data directory.
   */
  public static Database open(ServiceConfig config) {
    String url;
    SqlDialect dialect;
    Path embeddedDir = null;
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
      embeddedDir = dir;
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create data directory " + dir, e);
      }
      // DB_CLOSE_ON_EXIT=FALSE: the service closes the database itself after draining calls,
      // instead of H2 closing it under in-flight handlers when the JVM starts exiting. CACHE_SIZE:
      // with H2's 16 MB a store of 10,000 accounts' rollups read half its pages from the file on
      // every feature read (a feed's pass reads them all).
      url = "jdbc:h2:file:" + dir.resolve(config.serviceName()) + ";DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE="
          + cacheMegabytes(config) * 1024L;
      dialect = SqlDialect.H2;
    }
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(url);
    hikari.setPoolName(config.serviceName() + "-db");
    hikari.setMaximumPoolSize(config.getInt(POOL_SIZE, 10));
    return new Database(config.serviceName(), new HikariDataSource(hikari), dialect, embeddedDir);
  }

  /** The embedded store's page cache: HEALTHSCORE_DB_CACHE_MB, else an eighth of the heap (at least 16 MB). */
  static int cacheMegabytes(ServiceConfig config) {
    int megabytes = config.getInt(CACHE_MB, defaultCacheMegabytes());
    if (megabytes < 1) {
      throw new IllegalArgumentException(
          "invalid value for environment variable " + CACHE_MB + ": '" + megabytes + "': expected at least 1 (megabytes)");
    }
    return megabytes;
  }

  private static int defaultCacheMegabytes() {
    return (int) Math.max(16, Runtime.getRuntime().maxMemory() / 8 / (1 << 20));
  }

  /**
   * Tells {@code listener} (once, with the reason) when the embedded database has stopped for good
   * after a failed write, as H2 does on a full or read-only disk; from then on every use of it
   * fails with UNAVAILABLE naming the disk problem. Never called on PostgreSQL.
   */
  public void onFailure(Consumer<String> listener) {
    if (embeddedFailure != null) {
      embeddedFailure.onFailure(listener);
    }
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
    checkRunning();
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
    } catch (Exception | Error e) {
      throw failure("transaction failed: ", e);
    }
  }

  /**
   * Runs read-only {@code work} on a connection in auto-commit mode: a read needs no transaction
   * of its own, and skipping the commit spares the embedded store the sync it makes every commit
   * durable with. Failures arrive as from {@link #inTransaction}.
   */
  public <T> T read(SqlWork<T> work) {
    return autoCommitted(work, "query failed: ");
  }

  /**
   * Runs {@code work} in auto-commit mode: each statement commits on its own, and on the embedded
   * store without the sync that makes a transaction's commit durable, so a crash may lose what it
   * wrote in the last second or so. Only for writes each of which is atomic on its own and whose
   * loss a restart repairs (a lease the embedded store's start drops, say). Failures arrive as from
   * {@link #inTransaction}.
   */
  public <T> T inAutoCommit(SqlWork<T> work) {
    return autoCommitted(work, "statement failed: ");
  }

  private <T> T autoCommitted(SqlWork<T> work, String what) {
    checkRunning();
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (Exception | Error e) {
      throw failure(what, e);
    }
  }

  private void checkRunning() {
    if (embeddedFailure != null) {
      embeddedFailure.checkRunning();
    }
  }

  /** What to throw for {@code e}: UNAVAILABLE if it shows the embedded store stopped. */
  private RuntimeException failure(String what, Throwable e) {
    Throwable classified = embeddedFailure == null ? e : embeddedFailure.classify(e);
    if (classified instanceof RuntimeException runtime) {
      return runtime;
    }
    if (classified instanceof Error error) {
      throw error;
    }
    return new DatabaseException(what + classified.getMessage(), classified);
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
