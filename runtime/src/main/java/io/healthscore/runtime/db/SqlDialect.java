package io.healthscore.runtime.db;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The few statements H2 and PostgreSQL spell differently. Everything else is standard SQL that runs
 * on both: BIGINT, INTEGER, DOUBLE PRECISION, VARCHAR(n), BOOLEAN, TIMESTAMP WITH TIME ZONE, and
 * also TEXT and BYTEA, which H2 2.x accepts as aliases (VARCHAR and VARBINARY up to 1e9).
 *
 * <p>Generated statements take one {@code ?} per column, bound in the order the columns are given.
 * Update counts are comparable across both databases:
 *
 * <ul>
 *   <li>{@link #upsertSql}: 1 per row, whether inserted or updated;
 *   <li>{@link #insertIgnoreSql}: 1 if the row was inserted, 0 if its key already existed.
 * </ul>
 */
public enum SqlDialect {
  H2 {
    @Override
    String upsert(String table, List<String> keys, List<String> columns, List<String> values) {
      return "MERGE INTO " + table + " (" + join(columns) + ") KEY (" + join(keys) + ") VALUES ("
          + placeholders(columns.size()) + ")";
    }

    @Override
    String insertIgnore(String table, List<String> keys, List<String> columns) {
      // Standard MERGE: counts only the rows it inserts, like ON CONFLICT DO NOTHING.
      String match = keys.stream().map(k -> "t." + k + " = s." + k).collect(Collectors.joining(" AND "));
      String sourceColumns = columns.stream().map(c -> "s." + c).collect(Collectors.joining(", "));
      return "MERGE INTO " + table + " t USING (VALUES (" + placeholders(columns.size()) + ")) s ("
          + join(columns) + ") ON " + match + " WHEN NOT MATCHED THEN INSERT (" + join(columns)
          + ") VALUES (" + sourceColumns + ")";
    }

    @Override
    public String binaryType() {
      return "VARBINARY";
    }
  },

  POSTGRESQL {
    @Override
    String upsert(String table, List<String> keys, List<String> columns, List<String> values) {
      // With nothing to update, "update" a key column to itself so the count is still 1, as on H2.
      List<String> updated = values.isEmpty() ? keys.subList(0, 1) : values;
      String set = updated.stream().map(c -> c + " = EXCLUDED." + c).collect(Collectors.joining(", "));
      return "INSERT INTO " + table + " (" + join(columns) + ") VALUES (" + placeholders(columns.size())
          + ") ON CONFLICT (" + join(keys) + ") DO UPDATE SET " + set;
    }

    @Override
    String insertIgnore(String table, List<String> keys, List<String> columns) {
      return "INSERT INTO " + table + " (" + join(columns) + ") VALUES (" + placeholders(columns.size())
          + ") ON CONFLICT (" + join(keys) + ") DO NOTHING";
    }

    @Override
    public String binaryType() {
      return "BYTEA";
    }
  };

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * Inserts the row or updates {@code valueColumns} of the row with the same key. Bind the key
   * columns first, then the value columns.
   */
  public String upsertSql(String table, List<String> keyColumns, List<String> valueColumns) {
    checkIdentifiers(table, keyColumns, valueColumns);
    if (keyColumns.isEmpty()) {
      throw new IllegalArgumentException("an upsert needs at least one key column");
    }
    List<String> columns = new ArrayList<>(keyColumns);
    columns.addAll(valueColumns);
    return upsert(table, keyColumns, columns, valueColumns);
  }

  /**
   * Inserts the row unless a row with the same key exists. {@code columns} includes the key
   * columns; bind them in the order of {@code columns}. On H2, two transactions inserting the same
   * new key at once may still fail with a unique violation ({@link DatabaseException#isUniqueViolation()}).
   */
  public String insertIgnoreSql(String table, List<String> keyColumns, List<String> columns) {
    checkIdentifiers(table, keyColumns, columns);
    if (keyColumns.isEmpty() || !columns.containsAll(keyColumns)) {
      throw new IllegalArgumentException("key columns " + keyColumns + " must be among " + columns);
    }
    return insertIgnore(table, keyColumns, columns);
  }

  /** The column type for byte strings (both databases also accept BYTEA in DDL). */
  public abstract String binaryType();

  abstract String upsert(String table, List<String> keys, List<String> columns, List<String> values);

  abstract String insertIgnore(String table, List<String> keys, List<String> columns);

  private static void checkIdentifiers(String table, List<String> a, List<String> b) {
    // Identifiers are spliced into SQL, so accept only plain names.
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    all.add(table);
    for (String name : all) {
      if (!IDENTIFIER.matcher(name).matches()) {
        throw new IllegalArgumentException("not a plain SQL identifier: '" + name + "'");
      }
    }
  }

  private static String join(List<String> names) {
    return String.join(", ", names);
  }

  private static String placeholders(int n) {
    return String.join(", ", Collections.nCopies(n, "?"));
  }
}
