package io.healthscore.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.healthscore.alerting.AlertingServer;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.LogCapture;
import io.healthscore.scoring.ScoringServer;
import io.healthscore.signals.SignalsServer;
import io.healthscore.signals.ingest.IngestSettings;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.GetRuleRequest;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ListRulesRequest;
import io.healthscore.v1.ListTasksRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.Rule;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.UpsertAccountsRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directories of the three services as the build before Flyway left them (its
 * hand-written migrator, fixture {@value #FIXTURE}, see the README beside it), opened by today's
 * services: each migration set is taken over at its recorded version and the newer migrations
 * apply, what was stored is read back, and new writes are stored.
 */
class UpgradeFromHandWrittenMigratorTest {
  static final String FIXTURE = "/upgrade/data-8e3d60e.zip";
  /** When the fixture's services stopped. */
  static final Instant FIXTURE_WRITTEN = Instant.parse("2026-12-02T13:52:12Z");

  @TempDir Path dir;

  @Test
  void todaysServicesTakeOverTheDataOfTheHandWrittenMigrator() throws Exception {
    unzip(FIXTURE, dir);
    List<String> tookOver;
    try (LogCapture log = LogCapture.of("io.healthscore.runtime.db.SchemaMigrations", Level.INFO);
        SignalsServer signals = SignalsServer.builder(config("signals-service",
            // A window that still holds the fixture's event ids (written 2026-12-02) whenever this runs.
            Map.of(IngestSettings.DEDUP_RETENTION_DAYS, "36500"))).build().start();
        ScoringServer scoring = ScoringServer.builder(config("scoring-service",
            Map.of(ServiceConfig.SIGNALS_ADDR, "localhost:" + signals.server().grpcPort()))).build().start();
        AlertingServer alerting = AlertingServer.builder(config("alerting-service",
            Map.of(ServiceConfig.SIGNALS_ADDR, "localhost:" + signals.server().grpcPort(),
                ServiceConfig.SCORING_ADDR, "localhost:" + scoring.grpcPort()))).build().start()) {
      tookOver = log.messages().stream().filter(m -> m.contains("took over the record of migrations")).toList();
      ManagedChannel toSignals = Channels.forAddress("localhost:" + signals.server().grpcPort());
      ManagedChannel toScoring = Channels.forAddress("localhost:" + scoring.grpcPort());
      ManagedChannel toAlerting = Channels.forAddress("localhost:" + alerting.grpcPort());
      try {
        var signalsApi = SignalServiceGrpc.newBlockingStub(toSignals);
        var scoringApi = ScoringServiceGrpc.newBlockingStub(toScoring);
        var alertingApi = AlertingServiceGrpc.newBlockingStub(toAlerting);

        // What the earlier build stored.
        Account acme = signalsApi.getAccount(GetAccountRequest.newBuilder().setAccountId("acme").build()).getAccount();
        assertEquals("Acme Corp", acme.getName());
        assertEquals(4000, acme.getMrr());
        HealthScore stored = scoringApi.getScore(GetScoreRequest.newBuilder().setAccountId("acme").build()).getScore();
        assertTrue(stored.getScore() >= 1 && stored.getScore() <= 10, stored.toString());
        assertTrue(stored.getComputedAt().getSeconds() < FIXTURE_WRITTEN.getEpochSecond(),
            "the score the earlier build stored: " + stored);
        List<String> rules = alertingApi.listRules(ListRulesRequest.getDefaultInstance()).getRulesList().stream()
            .map(Rule::getRuleId).toList();
        assertEquals(List.of("renewal-at-risk", "turned-red"), rules);
        List<Alert> alerts = alertingApi.listAlerts(ListAlertsRequest.getDefaultInstance()).getAlertsList();
        assertEquals(List.of("acme renewal-at-risk"),
            alerts.stream().map(a -> a.getAccountId() + " " + a.getRuleId()).toList());
        assertEquals(1, alertingApi.listTasks(ListTasksRequest.newBuilder().setAccountId("acme").build())
            .getTasksCount(), "the alert's task");

        // The event ids of the earlier build's id files, folded into the id store at start.
        IngestSignalsResponse resent = signalsApi.ingestSignals(IngestSignalsRequest.newBuilder().addSignals(
            Signal.newBuilder().setEventId("e1").setAccountId("acme").setUserId("u0").setMetric("logins")
                .setNumber(1).setOccurredAt(Timestamp.newBuilder().setSeconds(
                    Instant.parse("2026-12-02T12:00:00Z").getEpochSecond()))).build());
        assertEquals(1, resent.getDuplicates(), resent.toString());

        // New writes.
        signalsApi.upsertAccounts(UpsertAccountsRequest.newBuilder().addAccounts(Account.newBuilder()
            .setAccountId("initech").setName("Initech").setSegment("smb").setMrr(900)).build());
        IngestSignalsResponse ingested = signalsApi.ingestSignals(IngestSignalsRequest.newBuilder().addSignals(
            Signal.newBuilder().setEventId("after-upgrade-1").setAccountId("initech").setMetric("logins")
                .setNumber(1).setOccurredAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))).build());
        assertEquals(1, ingested.getAccepted(), ingested.toString());
        Await.until("initech scored after the upgrade", () -> scoringApi.getScore(
            GetScoreRequest.newBuilder().setAccountId("initech").build()).getScore().getCoverage() > 0);
        Rule putRule = alertingApi.getRule(GetRuleRequest.newBuilder().setRuleId("turned-red").build()).getRule()
            .toBuilder().setRuleId("turned-red-again").setName("Turned red again").build();
        alertingApi.putRule(PutRuleRequest.newBuilder().setRule(putRule).build());
        assertEquals("Turned red again",
            alertingApi.getRule(GetRuleRequest.newBuilder().setRuleId("turned-red-again").build()).getRule().getName());
      } finally {
        toSignals.shutdownNow();
        toScoring.shutdownNow();
        toAlerting.shutdownNow();
      }
    }
    // Every migration set the earlier build recorded, at the version it recorded (the runtime's
    // stream cursors once in scoring's store and once in alerting's).
    assertEquals(List.of(
            "alerting-core: took over the record of migrations 1 to 4 from schema_migrations",
            "alerting-delivery: took over the record of migrations 1 to 2 from schema_migrations",
            "healthscore-runtime: took over the record of migrations 1 to 2 from schema_migrations",
            "healthscore-runtime: took over the record of migrations 1 to 2 from schema_migrations",
            "scoring-service: took over the record of migrations 1 to 4 from schema_migrations",
            "signals-ingest: took over the record of migrations 1 to 3 from schema_migrations",
            "signals-service-store: took over the record of migrations 1 to 3 from schema_migrations"),
        tookOver.stream().sorted().toList());
    // Flyway now keeps each set's history: the baseline at the old migrator's last version, then
    // the migrations written since, for example alerting's cache notices.
    try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("alerting/alerting-service"));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT \"type\", \"version\" FROM \"flyway_history_alerting_core\""
            + " WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
      List<String> history = new ArrayList<>();
      while (rs.next()) {
        history.add(rs.getString(1) + " " + rs.getString(2));
      }
      assertEquals("BASELINE 4", history.get(0), history.toString());
      assertTrue(history.contains("SQL 5"), history.toString());
    }
  }

  private ServiceConfig config(String service, Map<String, String> upstreams) {
    Map<String, String> env = new HashMap<>(upstreams);
    env.put(ServiceConfig.DATA_DIR, dir.resolve(service.replace("-service", "")).toString());
    env.put(ServiceConfig.SHUTDOWN_GRACE_SECONDS, "1");
    return ServiceConfig.fromMap(service, 0, 0, env);
  }

  private static void unzip(String resource, Path target) throws IOException {
    try (InputStream in = UpgradeFromHandWrittenMigratorTest.class.getResourceAsStream(resource);
        ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        Path file = target.resolve(e.getName()).normalize();
        if (e.isDirectory()) {
          Files.createDirectories(file);
        } else {
          Files.createDirectories(file.getParent());
          Files.copy(zip, file);
        }
      }
    }
  }
}
