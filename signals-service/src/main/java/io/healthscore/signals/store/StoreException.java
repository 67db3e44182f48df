package io.healthscore.signals.store;

import java.sql.SQLException;

/** A database failure the caller cannot fix; surfaces as INTERNAL. */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(SQLException cause) {
    super(cause.getMessage(), cause);
  }
}
