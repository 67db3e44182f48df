package io.healthscore.signals.store;

import io.healthscore.runtime.db.Database;

/** The tables of accounts, outcomes and the change feed (the ingest engine migrates its own). */
public final class SignalsSchema {
  /** Classpath folder of the migrations. */
  public static final String MIGRATIONS = "db/signals";
  /** Owner the migrations are recorded under, apart from the ingest engine's. */
  public static final String OWNER = "signals-service-store";

  private SignalsSchema() {}

  public static void migrate(Database db) {
    db.migrate(MIGRATIONS, OWNER);
  }
}
