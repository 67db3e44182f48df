package io.healthscore.alerting.support;

import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.DatabaseException;
import io.healthscore.runtime.db.SqlWork;
import java.sql.Connection;

/**
 * Read-only queries on a connection in auto-commit mode. A read needs no transaction of its own,
 * and skipping the commit spares the embedded store the sync it makes every commit durable with.
 */
public final class Reads {
  private Reads() {}

  public static <T> T read(Database database, SqlWork<T> work) {
    try (Connection c = database.dataSource().getConnection()) {
      return work.run(c);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new DatabaseException("query failed: " + e.getMessage(), e);
    }
  }
}
