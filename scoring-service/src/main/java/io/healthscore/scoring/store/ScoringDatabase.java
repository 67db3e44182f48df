package io.healthscore.scoring.store;

import io.healthscore.runtime.db.Database;

/** Where scoring-service's schema lives on the classpath. */
public final class ScoringDatabase {
  public static final String MIGRATIONS = "db/scoring";

  private ScoringDatabase() {}

  /** Applies scoring-service's migrations to the database. */
  public static Database migrate(Database database) {
    database.migrate(MIGRATIONS);
    return database;
  }
}
