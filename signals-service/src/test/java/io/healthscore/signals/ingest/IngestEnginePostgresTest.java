package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.testing.PostgresTestSupport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The engine on PostgreSQL, each test in a schema of its own; skipped only outside CI without one. */
class IngestEnginePostgresTest extends IngestEngineContract {
  @Override
  Database openDatabase(Path dir) {
    Optional<String> url = PostgresTestSupport.jdbcUrl();
    assumeTrue(url.isPresent(), "no PostgreSQL reachable");
    String schemaUrl = PostgresTestSupport.freshSchema(url.get());
    return Database.open(
        ServiceConfig.fromMap("signals-service", 0, 0, Map.of(ServiceConfig.DB_URL, schemaUrl)).withDataDir(dir));
  }

  @Test
  void aNulCharacterInALabelIsStoredInsideItsBlock() {
    // PostgreSQL refuses NUL in text; labels live in the packed bytes of a block, so even one that
    // got past validation is kept exactly and blocks no checkpoint.
    Path wal = dir.resolve("wal");
    IngestEngine engine = open(wal);
    engine.ingest(List.of(label("n1", "acme", "plan", "gold\u0000", DAY_20000)));
    engine.checkpoint();
    engine.close();
    opened.remove(engine);
    assertEquals("gold\u0000", only(open(wal).rollups("acme", 20_000, 20_001)).lastLabel());
  }
}
