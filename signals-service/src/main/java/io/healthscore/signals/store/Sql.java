package io.healthscore.signals.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;

/** Small JDBC helpers shared by the stores: transactions, IN lists and nullable columns. */
final class Sql {
  /** Most parameters one IN list carries; PostgreSQL allows 65,535 per statement. */
  static final int IN_CHUNK = 1000;

  private Sql() {}

  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Runs {@code work} in one transaction, committed on success and rolled back on any failure. */
  static <T> T inTransaction(DataSource dataSource, Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** Runs a read outside any explicit transaction. */
  static <T> T read(DataSource dataSource, Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** "?, ?, ?" for {@code n} parameters. */
  static String placeholders(int n) {
    StringBuilder sb = new StringBuilder(n * 3);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "?" : ", ?");
    }
    return sb.toString();
  }

  /** Binds {@code values} as string parameters from {@code first} on; returns the next index. */
  static int bind(PreparedStatement ps, int first, List<String> values) throws SQLException {
    for (int i = 0; i < values.size(); i++) {
      ps.setString(first + i, values.get(i));
    }
    return first + values.size();
  }

  /** Splits values into IN-list sized chunks. */
  static <T> List<List<T>> chunks(Collection<T> values) {
    List<T> all = new ArrayList<>(values);
    List<List<T>> chunks = new ArrayList<>();
    for (int from = 0; from < all.size(); from += IN_CHUNK) {
      chunks.add(all.subList(from, Math.min(all.size(), from + IN_CHUNK)));
    }
    return chunks;
  }

  static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }

  static void setNullableLong(PreparedStatement ps, int index, Long value) throws SQLException {
    if (value == null) {
      ps.setNull(index, java.sql.Types.BIGINT);
    } else {
      ps.setLong(index, value);
    }
  }

  /** Unique-key violation (SQLSTATE 23505 on both H2 and PostgreSQL): a concurrent writer won. */
  static boolean isUniqueViolation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }
}
