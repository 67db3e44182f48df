package io.healthscore.runtime.db;

import java.sql.Connection;

/** Work done on one connection inside a transaction; may throw checked exceptions such as SQLException. */
@FunctionalInterface
public interface SqlWork<T> {
  T run(Connection connection) throws Exception;
}
