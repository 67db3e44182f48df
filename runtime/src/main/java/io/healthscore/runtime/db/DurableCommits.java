package io.healthscore.runtime.db;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Makes H2 commits survive kill -9.
 *
 * <p>H2 2.x (MVStore) does not write a commit to its file when the commit returns: a background
 * thread stores changes about once a second (WRITE_DELAY, default 500 ms), and WRITE_DELAY=0 turns
 * that writer off altogether. Killing the process with -9 right after a commit therefore loses it;
 * we measured losing every one of the last ~1,000 committed rows. Issuing {@code CHECKPOINT SYNC}
 * after each commit writes the changes and fsyncs the file before the caller proceeds, so a commit
 * that returned is on disk, which is also what PostgreSQL's default synchronous_commit promises. It
 * costs about a millisecond per commit: commit batches, not rows. A commit of a transaction that
 * changed nothing (a read) skips the sync, so reads do not queue behind writers' file syncs.
 *
 * <p>It also fails every connection at once, with UNAVAILABLE, once H2 has stopped after a failed
 * write ({@link EmbeddedStoreFailure}).
 *
 * <p>Only {@link Connection#commit()} is covered: statements run in auto-commit mode still become
 * durable within about a second, so acknowledge nothing written that way.
 */
final class DurableCommits implements DataSource {
  private final DataSource delegate;
  private final EmbeddedStoreFailure failure;

  DurableCommits(DataSource delegate, EmbeddedStoreFailure failure) {
    this.delegate = delegate;
    this.failure = failure;
  }

  @Override
  public Connection getConnection() throws SQLException {
    failure.checkRunning();
    try {
      return durable(delegate.getConnection());
    } catch (SQLException | RuntimeException e) {
      throw rethrow(failure.classify(e));
    }
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    failure.checkRunning();
    try {
      return durable(delegate.getConnection(username, password));
    } catch (SQLException | RuntimeException e) {
      throw rethrow(failure.classify(e));
    }
  }

  /** Throws {@code t}, an SQLException or unchecked exception; declared to return for callers' throw. */
  private static SQLException rethrow(Throwable t) throws SQLException {
    if (t instanceof SQLException sql) {
      return sql;
    }
    throw (RuntimeException) t;
  }

  private Connection durable(Connection connection) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          try {
            if (!method.getName().equals("commit") || method.getParameterCount() != 0) {
              return invoke(connection, method, args);
            }
            boolean wrote = hasUncommittedChanges(connection);
            Object result = invoke(connection, method, args);
            if (wrote) {
              try (Statement checkpoint = connection.createStatement()) {
                checkpoint.execute("CHECKPOINT SYNC");
              }
            }
            return result;
          } catch (Exception | Error e) {
            throw failure.classify(e);
          }
        };
    return (Connection)
        Proxy.newProxyInstance(
            DurableCommits.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  /** H2's TRANSACTION_ID() is NULL until the transaction changes something. */
  private static boolean hasUncommittedChanges(Connection connection) throws SQLException {
    try (Statement query = connection.createStatement();
        ResultSet rs = query.executeQuery("SELECT TRANSACTION_ID()")) {
      return rs.next() && rs.getObject(1) != null;
    }
  }

  private static Object invoke(Connection target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    return type.isInstance(this) ? type.cast(this) : delegate.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || delegate.isWrapperFor(type);
  }
}
