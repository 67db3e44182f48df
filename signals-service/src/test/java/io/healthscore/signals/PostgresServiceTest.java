package io.healthscore.signals;

import static io.healthscore.signals.TestSignalsServer.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.WatchChangesRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service on PostgreSQL: ingest, features after a checkpoint and a restart, and the feed. */
class PostgresServiceTest {
  @TempDir Path dir;

  @Test
  void ingestAndFeaturesOnPostgresql() {
    Optional<String> url = PostgresTestSupport.jdbcUrl();
    assumeTrue(url.isPresent(), "no PostgreSQL at " + PostgresTestSupport.DEFAULT_URL);
    Map<String, String> env = Map.of(ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(url.get()));
    Instant yesterday = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofHours(12));
    try (TestSignalsServer signals = TestSignalsServer.start(dir, env)) {
      signals.createAccounts("pg-acct");
      IngestSignalsRequest.Builder batch = IngestSignalsRequest.newBuilder();
      for (int i = 0; i < 100; i++) {
        batch.addSignals(number("pg-" + i, "pg-acct", "logins", i, yesterday));
      }
      assertEquals(100, signals.blocking().ingestSignals(batch.build()).getAccepted());
      signals.server().engine().checkpoint();
      assertEquals(100, signals.blocking().ingestSignals(batch.build()).getDuplicates());
    }
    try (TestSignalsServer restarted = TestSignalsServer.start(dir, env)) {
      GetFeaturesResponse f =
          restarted.blocking().getFeatures(GetFeaturesRequest.newBuilder().setAccountId("pg-acct").build());
      assertEquals(100, f.getFeaturesOrThrow("logins.count_7d"));
      assertEquals(4950, f.getFeaturesOrThrow("logins.sum_7d"));
      var changes =
          restarted.blocking()
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .watchChanges(WatchChangesRequest.getDefaultInstance());
      assertEquals("pg-acct", changes.next().getChange().getAccountId());
      assertEquals(2, changes.next().getChange().getCursor());
    }
  }
}
