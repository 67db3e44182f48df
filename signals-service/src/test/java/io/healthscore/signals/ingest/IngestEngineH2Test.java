package io.healthscore.signals.ingest;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import java.nio.file.Path;
import java.util.Map;

/** The engine on the embedded H2 store. */
class IngestEngineH2Test extends IngestEngineContract {
  @Override
  Database openDatabase(Path dir) {
    return Database.open(ServiceConfig.fromMap("signals-service", 0, 0, Map.of()).withDataDir(dir));
  }
}
