package io.healthscore.signals.api;

import static io.healthscore.signals.TestSignalsServer.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.signals.TestSignalsServer;
import io.healthscore.signals.ingest.IngestSettings;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.RejectedSignal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bounds on width over gRPC: a signal past a limit is rejected with its reason, the rest stored. */
class LimitsTest {
  @TempDir Path dir;

  @Test
  void aSignalPastTheMetricsLimitIsRejectedAndTheRestOfTheBatchKept() {
    try (TestSignalsServer signals =
        TestSignalsServer.start(
            dir, Map.of(IngestSettings.MAX_METRICS_PER_ACCOUNT, "2", IngestSettings.MAX_USERS_PER_METRIC_DAY, "2"))) {
      signals.createAccounts("acme");
      Instant at = Instant.now().minusSeconds(60);
      IngestSignalsResponse response =
          signals.blocking()
              .ingestSignals(
                  IngestSignalsRequest.newBuilder()
                      .addSignals(number("e1", "acme", "logins", 1, at))
                      .addSignals(number("e2", "acme", "exports", 1, at))
                      .addSignals(number("e3", "acme", "seats", 1, at))
                      .addSignals(number("e4", "acme", "logins", 1, at).toBuilder().setUserId("u1"))
                      .addSignals(number("e5", "acme", "logins", 1, at).toBuilder().setUserId("u2"))
                      .addSignals(number("e6", "acme", "logins", 1, at).toBuilder().setUserId("u3"))
                      .build());
      assertEquals(4, response.getAccepted());
      assertEquals(2, response.getRejectedCount());
      RejectedSignal metric = response.getRejected(0);
      assertEquals(2, metric.getIndex());
      assertEquals("signals[2].metric", metric.getField());
      assertTrue(metric.getReason().contains("account 'acme'"), metric.getReason());
      assertTrue(metric.getReason().contains("HEALTHSCORE_MAX_METRICS_PER_ACCOUNT"), metric.getReason());
      RejectedSignal user = response.getRejected(1);
      assertEquals("signals[5].user_id", user.getField());
      assertTrue(user.getReason().contains("HEALTHSCORE_MAX_USERS_PER_METRIC_DAY"), user.getReason());
    }
  }
}
