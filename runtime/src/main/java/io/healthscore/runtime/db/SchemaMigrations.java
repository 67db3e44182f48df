package io.healthscore.runtime.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.exception.FlywayValidateException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one set of versioned SQL migrations with Flyway, at start, before the service serves.
 *
 * <p>A set is a classpath folder of {@code V<n>__<name>.sql} files with an owner name. Several sets
 * share one schema (the runtime's stream cursors, a service's tables, signals-service's ingest
 * tables), so each owner keeps its own history table, {@code flyway_history_<owner>}. Flyway
 * validates the checksum of every applied migration against this build's file first: a migration
 * edited after it ran stops the start, naming the version.
 *
 * <p>Upgrade: a database migrated by the earlier hand-written migrator records its sets in {@code
 * schema_migrations(service, version, name, applied_at)}. The first start of this version baselines
 * such an owner at the highest version recorded there (after checking each recorded name is this
 * build's migration of that version) and applies what is newer. The old table stays, unused.
 *
 * <p>Lock: on PostgreSQL the whole of it runs under a session advisory lock shared by every owner,
 * so replicas starting together migrate one after another and each migration runs once. H2 is
 * opened by one process (its file lock ensures that).
 */
final class SchemaMigrations {
  /** The table the earlier migrator kept. */
  static final String LEGACY_TABLE = "schema_migrations";
  /** Arbitrary constant shared by all healthscore services: "hs-migr" in ASCII. */
  private static final long ADVISORY_LOCK_KEY = 0x68732d6d696772L;
  private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrations.class);

  private final Database database;

  SchemaMigrations(Database database) {
    this.database = database;
  }

  /** The history table of an owner's set. */
  static String historyTable(String owner) {
    return "flyway_history_" + owner.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
  }

  /** Applies what is missing; returns how many migrations ran. */
  int migrate(String classpathFolder, String owner) {
    String folder = classpathFolder.endsWith("/") ? classpathFolder.substring(0, classpathFolder.length() - 1) : classpathFolder;
    try (Connection lockHolder = database.dataSource().getConnection()) {
      lock(lockHolder, true);
      try {
        Flyway flyway = configuration(folder, owner).load();
        baselineLegacy(lockHolder, flyway, folder, owner);
        MigrateResult result = flyway.migrate();
        if (result.migrationsExecuted > 0) {
          LOG.info("{}: applied {} migration(s) from {}, now at version {}",
              owner, result.migrationsExecuted, folder, result.targetSchemaVersion);
        }
        return result.migrationsExecuted;
      } finally {
        lock(lockHolder, false);
      }
    } catch (FlywayValidateException e) {
      throw new IllegalStateException(
          owner + ": the migrations in " + folder + " differ from those this database applied. An applied"
              + " migration must never change: restore it as it was and put the change in a new migration. "
              + e.getMessage(),
          e);
    } catch (FlywayException e) {
      throw new IllegalStateException(owner + ": migrating " + folder + " failed: " + e.getMessage(), e);
    } catch (SQLException e) {
      throw new DatabaseException(owner + ": cannot migrate " + folder + ": " + e.getMessage(), e);
    }
  }

  private FluentConfiguration configuration(String folder, String owner) {
    return Flyway.configure(SchemaMigrations.class.getClassLoader())
        .dataSource(database.dataSource())
        .locations("classpath:" + folder)
        .failOnMissingLocations(true)
        .table(historyTable(owner))
        // Other sets' tables share the schema: a set without a history table yet starts at 0.
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .validateMigrationNaming(true)
        // SQL files are run as written: no ${...} substitution.
        .placeholderReplacement(false)
        .cleanDisabled(true);
  }

  /** Converts an owner recorded by the earlier migrator, once: a Flyway baseline at its last version. */
  private void baselineLegacy(Connection c, Flyway flyway, String folder, String owner) throws SQLException {
    if (flyway.info().applied().length > 0) {
      return;
    }
    NavigableMap<Integer, String> legacy = legacyVersions(c, owner);
    if (legacy.isEmpty()) {
      return;
    }
    Map<Integer, String> shipped = new TreeMap<>();
    Arrays.stream(flyway.info().all())
        .filter(m -> m.getVersion() != null)
        .forEach(m -> shipped.put(Integer.parseInt(m.getVersion().getVersion()), m.getDescription()));
    legacy.forEach(
        (version, name) -> {
          String description = name.replace('_', ' ');
          if (!description.equals(shipped.get(version))) {
            throw new IllegalStateException(
                owner + ": this database applied migration V" + version + " '" + name + "' (" + LEGACY_TABLE
                    + "), which " + folder + " of this build "
                    + (shipped.containsKey(version) ? "names '" + shipped.get(version) + "'" : "does not have")
                    + ": start the version that created it, or a newer one");
          }
        });
    int last = legacy.lastKey();
    configuration(folder, owner)
        .baselineVersion(String.valueOf(last))
        .baselineDescription("migrated by an earlier version (" + LEGACY_TABLE + ")")
        .load()
        .baseline();
    LOG.info("{}: took over the record of migrations 1 to {} from {}", owner, last, LEGACY_TABLE);
  }

  /** Version and name of every migration the earlier migrator recorded for {@code owner}. */
  private static NavigableMap<Integer, String> legacyVersions(Connection c, String owner) throws SQLException {
    NavigableMap<Integer, String> versions = new TreeMap<>();
    if (!tableExists(c, LEGACY_TABLE)) {
      return versions;
    }
    try (PreparedStatement s =
        c.prepareStatement("SELECT version, name FROM " + LEGACY_TABLE + " WHERE service = ? ORDER BY version")) {
      s.setString(1, owner);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          versions.put(rs.getInt(1), rs.getString(2));
        }
      }
    }
    return versions;
  }

  /** Whether the connection's current schema has the table (H2 keeps unquoted names upper case). */
  private static boolean tableExists(Connection c, String table) throws SQLException {
    String schema = c.getSchema();
    for (String name : new String[] {table, table.toUpperCase(Locale.ROOT)}) {
      try (ResultSet rs = c.getMetaData().getTables(c.getCatalog(), schema, name, new String[] {"TABLE"})) {
        if (rs.next()) {
          return true;
        }
      }
    }
    return false;
  }

  private void lock(Connection c, boolean take) throws SQLException {
    if (database.dialect() == SqlDialect.POSTGRESQL) {
      try (PreparedStatement s =
          c.prepareStatement(take ? "SELECT pg_advisory_lock(?)" : "SELECT pg_advisory_unlock(?)")) {
        s.setLong(1, ADVISORY_LOCK_KEY);
        s.execute();
      }
    }
  }
}
