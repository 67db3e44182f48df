package io.healthscore.alerting.support;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/** Nullable column reads and writes, which plain JDBC spells clumsily. */
public final class Rows {
  private Rows() {}

  /** The column's value, or null when SQL NULL. */
  public static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  /** The column's value, or null when SQL NULL. */
  public static Double nullableDouble(ResultSet rs, String column) throws SQLException {
    double v = rs.getDouble(column);
    return rs.wasNull() ? null : v;
  }

  public static void setNullableLong(PreparedStatement s, int index, Long value) throws SQLException {
    if (value == null) {
      s.setNull(index, Types.BIGINT);
    } else {
      s.setLong(index, value);
    }
  }

  public static void setNullableDouble(PreparedStatement s, int index, Double value) throws SQLException {
    if (value == null) {
      s.setNull(index, Types.DOUBLE);
    } else {
      s.setDouble(index, value);
    }
  }
}
