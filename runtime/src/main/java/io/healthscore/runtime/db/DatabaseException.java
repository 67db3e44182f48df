package io.healthscore.runtime.db;

import java.sql.SQLException;
import java.util.Optional;

/** A failed database operation, unchecked so handler code stays readable; the cause tells why. */
public class DatabaseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** SQLSTATE of a unique or primary key violation, the same on H2 and PostgreSQL. */
  public static final String UNIQUE_VIOLATION = "23505";

  public DatabaseException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The SQLSTATE of the underlying SQLException, if there is one. */
  public Optional<String> sqlState() {
    for (Throwable t = getCause(); t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        return Optional.of(sql.getSQLState());
      }
    }
    return Optional.empty();
  }

  /** Whether a concurrent writer inserted the same key first; such work is usually worth retrying. */
  public boolean isUniqueViolation() {
    return sqlState().filter(UNIQUE_VIOLATION::equals).isPresent();
  }
}
