package io.healthscore.runtime.db;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A fixed number of keys written as a VALUES list to join against, for reads of many rows by key in
 * a few statements.
 *
 * <p>Why a join and not {@code IN (?, ?, ...)}: H2 finds the rows of an IN list of parameters
 * through the key, then tests each row found against the whole list again. Why a fixed length:
 * every statement has the same text, so the database's parsed-statement cache serves it; the places
 * a part does not fill are bound to NULL, which matches no row.
 */
public final class KeyList {
  /** One column of the keys: its name and SQL type. */
  public record Column(String name, String sqlType, int jdbcType) {
    public static Column varchar(String name) {
      return new Column(name, "VARCHAR", Types.VARCHAR);
    }

    public static Column bigint(String name) {
      return new Column(name, "BIGINT", Types.BIGINT);
    }
  }

  /** Binds one key's columns from parameter {@code at} on. */
  @FunctionalInterface
  public interface KeyBinder<K> {
    void bind(PreparedStatement s, int at, K key) throws SQLException;
  }

  private final int places;
  private final List<Column> columns;
  private final String sql;

  /** A list of {@code places} keys of {@code columns}, named {@code alias} in the query. */
  public KeyList(int places, String alias, Column... columns) {
    if (places < 1 || columns.length == 0) {
      throw new IllegalArgumentException("a key list needs at least one place and one column");
    }
    this.places = places;
    this.columns = List.of(columns);
    List<String> casts = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Column column : columns) {
      casts.add("CAST(? AS " + column.sqlType() + ")");
      names.add(column.name());
    }
    String row = "(" + String.join(", ", casts) + ")";
    this.sql =
        "(VALUES " + String.join(", ", Collections.nCopies(places, row)) + ") " + alias
            + " (" + String.join(", ", names) + ")";
  }

  /** The list as a table expression for a FROM clause: {@code (VALUES (...), ...) alias (columns)}. */
  public String sql() {
    return sql;
  }

  /** How many keys one statement holds. */
  public int places() {
    return places;
  }

  /** The keys in parts of at most {@link #places()}, each a view of {@code keys}. */
  public <K> List<List<K>> parts(List<K> keys) {
    List<List<K>> parts = new ArrayList<>();
    for (int from = 0; from < keys.size(); from += places) {
      parts.add(keys.subList(from, Math.min(keys.size(), from + places)));
    }
    return parts;
  }

  /**
   * Binds {@code part} (at most {@link #places()} keys) from parameter 1 on, NULLs in the places
   * after it; returns the index of the first parameter after the list.
   */
  public <K> int bind(PreparedStatement s, List<K> part, KeyBinder<K> binder) throws SQLException {
    if (part.size() > places) {
      throw new IllegalArgumentException(part.size() + " keys do not fit a list of " + places);
    }
    int width = columns.size();
    for (int i = 0; i < places; i++) {
      int at = i * width + 1;
      if (i < part.size()) {
        binder.bind(s, at, part.get(i));
      } else {
        for (int c = 0; c < width; c++) {
          s.setNull(at + c, columns.get(c).jdbcType());
        }
      }
    }
    return places * width + 1;
  }
}
