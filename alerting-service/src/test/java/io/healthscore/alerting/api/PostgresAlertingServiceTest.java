package io.healthscore.alerting.api;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.PostgresTestSupport;
import java.util.Map;
import java.util.Optional;

/**
 * Every scenario of {@link AlertingServiceTest} against PostgreSQL, the production store: the
 * unique open-alert constraint, row locks, paging and aggregates run on the real database. Skipped
 * only outside CI when no PostgreSQL is reachable.
 */
class PostgresAlertingServiceTest extends AlertingServiceTest {
  @Override
  Map<String, String> env() {
    Optional<String> url = PostgresTestSupport.jdbcUrl();
    assumeTrue(url.isPresent(), "no PostgreSQL at " + PostgresTestSupport.DEFAULT_URL);
    return Map.of(ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(url.get()));
  }
}
