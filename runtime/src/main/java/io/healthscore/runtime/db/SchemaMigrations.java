package io.healthscore.runtime.db;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the SQL migrations of one classpath folder, each once, in version order.
 *
 * <p>Layout: the folder holds {@code index.txt} listing the migration files one per line ({@code #}
 * comments allowed), named {@code V<n>__<name>.sql} with n = 1, 2, 3... without gaps. A classpath
 * folder cannot be listed portably (directories in development, jar entries in the shaded jar), so
 * the index is what makes discovery reliable; a file missing from the index, or an index entry
 * without its file, fails loudly instead of silently skipping a migration.
 *
 * <p>Statements in a file end with {@code ;} at the end of a line; lines starting with {@code --}
 * are comments. Each migration runs in its own transaction and is recorded in {@code
 * schema_migrations(service, version, name, applied_at)}. On PostgreSQL every migration transaction
 * first takes a transaction-scoped advisory lock, so replicas starting together apply each migration
 * exactly once. H2 is opened by a single process (its file lock ensures that) and commits DDL
 * implicitly, so write migrations that can be re-run (IF NOT EXISTS) where you can.
 */
final class SchemaMigrations {
  /** Arbitrary constant shared by all healthscore services: "hs-migr" in ASCII. */
  private static final long ADVISORY_LOCK_KEY = 0x68732d6d696772L;
  private static final Pattern FILE_NAME = Pattern.compile("V([1-9][0-9]*)__([A-Za-z0-9_]+)\\.sql");

  private record Migration(int version, String name, String sql) {}

  private final Database database;

  SchemaMigrations(Database database) {
    this.database = database;
  }

  /** Applies what is missing; returns how many migrations ran. */
  int migrate(String classpathFolder, String owner) {
    List<Migration> migrations = load(classpathFolder);
    database.inTransaction(
        c -> {
          lock(c);
          execute(
              c,
              "CREATE TABLE IF NOT EXISTS schema_migrations ("
                  + "service VARCHAR(100) NOT NULL, version INTEGER NOT NULL, name VARCHAR(200) NOT NULL, "
                  + "applied_at TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY (service, version))");
          return null;
        });
    int applied = 0;
    for (Migration m : migrations) {
      boolean ran =
          database.inTransaction(
              c -> {
                lock(c);
                String existing = appliedName(c, owner, m.version());
                if (existing != null) {
                  if (!existing.equals(m.name())) {
                    throw new IllegalStateException(
                        owner + " migration V" + m.version() + " was applied as '" + existing
                            + "' but is now named '" + m.name() + "': never rewrite an applied migration");
                  }
                  return false;
                }
                for (String statement : statements(m.sql())) {
                  execute(c, statement);
                }
                try (PreparedStatement insert =
                    c.prepareStatement(
                        "INSERT INTO schema_migrations (service, version, name, applied_at) "
                            + "VALUES (?, ?, ?, CURRENT_TIMESTAMP)")) {
                  insert.setString(1, owner);
                  insert.setInt(2, m.version());
                  insert.setString(3, m.name());
                  insert.executeUpdate();
                }
                return true;
              });
      if (ran) {
        applied++;
      }
    }
    return applied;
  }

  private void lock(Connection c) throws SQLException {
    if (database.dialect() == SqlDialect.POSTGRESQL) {
      try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        s.setLong(1, ADVISORY_LOCK_KEY);
        s.execute();
      }
    }
  }

  private static String appliedName(Connection c, String owner, int version) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("SELECT name FROM schema_migrations WHERE service = ? AND version = ?")) {
      s.setString(1, owner);
      s.setInt(2, version);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static List<Migration> load(String folder) {
    String base = folder.endsWith("/") ? folder.substring(0, folder.length() - 1) : folder;
    String index = read(base + "/index.txt");
    List<Migration> migrations = new ArrayList<>();
    for (String line : index.split("\\R")) {
      String entry = line.replaceFirst("#.*", "").trim();
      if (entry.isEmpty()) {
        continue;
      }
      Matcher m = FILE_NAME.matcher(entry);
      if (!m.matches()) {
        throw new IllegalStateException(
            base + "/index.txt: '" + entry + "' is not named V<n>__<name>.sql");
      }
      int version = Integer.parseInt(m.group(1));
      if (version != migrations.size() + 1) {
        throw new IllegalStateException(
            base + "/index.txt: expected V" + (migrations.size() + 1) + " next but found " + entry);
      }
      migrations.add(new Migration(version, m.group(2), read(base + "/" + entry)));
    }
    return migrations;
  }

  private static String read(String resource) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = SchemaMigrations.class.getClassLoader();
    }
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("migration resource not found on the classpath: " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }

  /** Splits a script at semicolons that end a line, dropping comment lines. */
  static List<String> statements(String script) {
    StringBuilder withoutComments = new StringBuilder();
    for (String line : script.split("\\R")) {
      if (!line.trim().startsWith("--")) {
        withoutComments.append(line).append('\n');
      }
    }
    return Arrays.stream(withoutComments.toString().split(";[ \\t]*\\n"))
        .map(String::trim)
        .map(s -> s.endsWith(";") ? s.substring(0, s.length() - 1).trim() : s)
        .filter(s -> !s.isEmpty())
        .toList();
  }
}
