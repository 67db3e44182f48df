package io.healthscore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.healthscore.cli.local.Suite;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.client.ClientSecurity;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.TestCertificateAuthority;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.Condition;
import io.healthscore.v1.CrossingDirection;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.Rule;
import io.healthscore.v1.Severity;
import io.healthscore.v1.ThresholdCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three services in one JVM with bearer-token auth and mutual TLS on every hop (scoring and
 * alerting present their client certificate and token to signals and scoring), reached by the
 * command line with --tls-ca, --tls-cert, --tls-key and --token-file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureSuiteTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private Suite suite;

  @BeforeAll
  void start() throws IOException {
    TestCertificateAuthority ca = TestCertificateAuthority.create("healthscore test CA");
    ca.writeCertificate(dir.resolve("ca.pem"));
    ca.issue("healthscore services").write(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    ca.issue("an operator").write(dir.resolve("operator.crt"), dir.resolve("operator.key"));
    TestCertificateAuthority.create("another CA").writeCertificate(dir.resolve("other-ca.pem"));
    Files.writeString(dir.resolve("tokens"), "service-token signals:read,scores:read\noperator-token admin\n");
    Files.writeString(dir.resolve("service-token"), "service-token\n");
    Files.writeString(dir.resolve("operator-token"), "operator-token\n");
    suite =
        Suite.start(
            dir.resolve("data"),
            Map.of(
                "HEALTHSCORE_FEED_COALESCE_WINDOW", "50ms",
                ServiceConfig.AUTH_TOKENS, dir.resolve("tokens").toString(),
                ServiceConfig.CLIENT_TOKEN_FILE, dir.resolve("service-token").toString(),
                ServiceConfig.TLS_CERT, dir.resolve("tls.crt").toString(),
                ServiceConfig.TLS_KEY, dir.resolve("tls.key").toString(),
                ServiceConfig.TLS_CA, dir.resolve("ca.pem").toString()),
            false);
  }

  @AfterAll
  void stop() {
    suite.close();
  }

  private CliRun cli(String... args) {
    return CliRun.of(suite.signalsPort(), suite.scoringPort(), suite.alertingPort(), args);
  }

  /** The command line as an operator: the CA, a client certificate and a token. */
  private CliRun operator(String... args) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "--tls-ca", dir.resolve("ca.pem").toString(),
                "--tls-cert", dir.resolve("operator.crt").toString(),
                "--tls-key", dir.resolve("operator.key").toString(),
                "--token-file", dir.resolve("operator-token").toString()));
    all.addAll(List.of(args));
    return cli(all.toArray(String[]::new));
  }

  private Path write(String name, List<String> lines) {
    try {
      return Files.write(dir.resolve(name), lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aSignalBecomesAScoreAndAnAlertThroughEveryAuthenticatedMutualTlsHop() {
    putRuleAlertingOnAnyScore();
    CliRun accounts =
        operator("import", "accounts", write("accounts.csv", List.of("account_id,name,segment,mrr", "acme,Acme,smb,1200")).toString());
    assertEquals(0, accounts.exitCode(), accounts.toString());
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<String> signals = new ArrayList<>();
    for (int i = 0; i < 14; i++) {
      signals.add("{\"event_id\":\"acme-logins-" + i + "\",\"account_id\":\"acme\",\"metric\":\"logins\",\"number\":"
          + (i % 3) + ",\"occurred_at\":\"" + now.minus(i, ChronoUnit.DAYS) + "\"}");
    }
    CliRun ingest = operator("import", "signals", write("signals.jsonl", signals).toString());
    assertEquals(0, ingest.exitCode(), ingest.toString());

    // scoring-service read the account and its features from signals-service over mutual TLS with its token.
    Await.until("a score of acme", () -> operator("--json", "scores", "list").out().contains("\"acme\""));
    // alerting-service followed scoring-service's WatchScores the same way and raised the alert.
    Await.until(
        "an alert on acme",
        () -> {
          CliRun alerts = operator("--json", "alerts", "list");
          if (alerts.exitCode() != 0) {
            return false;
          }
          try {
            for (JsonNode alert : JSON.readTree(alerts.out())) {
              if (alert.get("account_id").asText().equals("acme")
                  && alert.get("rule_id").asText().equals("any-score")) {
                return true;
              }
            }
            return false;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  @Test
  void theCommandLineWithoutClientCertificateTokenOrTheRightCaIsRefused() {
    CliRun plaintext = cli("--token-file", dir.resolve("operator-token").toString(), "scores", "list");
    assertEquals(ExitCodes.UNAVAILABLE, plaintext.exitCode(), plaintext.toString());

    CliRun noCertificate =
        cli("--tls-ca", dir.resolve("ca.pem").toString(), "--token-file", dir.resolve("operator-token").toString(),
            "scores", "list");
    assertEquals(ExitCodes.UNAVAILABLE, noCertificate.exitCode(), noCertificate.toString());

    CliRun wrongCa =
        cli("--tls-ca", dir.resolve("other-ca.pem").toString(),
            "--tls-cert", dir.resolve("operator.crt").toString(), "--tls-key", dir.resolve("operator.key").toString(),
            "--token-file", dir.resolve("operator-token").toString(), "scores", "list");
    assertEquals(ExitCodes.UNAVAILABLE, wrongCa.exitCode(), wrongCa.toString());

    CliRun noToken =
        cli("--tls-ca", dir.resolve("ca.pem").toString(),
            "--tls-cert", dir.resolve("operator.crt").toString(), "--tls-key", dir.resolve("operator.key").toString(),
            "scores", "list");
    assertEquals(ExitCodes.DENIED, noToken.exitCode(), noToken.toString());
    assertTrue(noToken.err().contains("UNAUTHENTICATED"), noToken.toString());

    // The services' own token reads scores but may not write signals.
    CliRun serviceToken =
        cli("--tls-ca", dir.resolve("ca.pem").toString(),
            "--tls-cert", dir.resolve("operator.crt").toString(), "--tls-key", dir.resolve("operator.key").toString(),
            "--token-file", dir.resolve("service-token").toString(),
            "import", "accounts", write("more.csv", List.of("account_id,name", "initech,Initech")).toString());
    assertEquals(ExitCodes.DENIED, serviceToken.exitCode(), serviceToken.toString());
    assertTrue(serviceToken.err().contains("PERMISSION_DENIED"), serviceToken.toString());
  }

  @Test
  void aMissingTokenFileIsAUsageError() {
    CliRun r = cli("--tls-ca", dir.resolve("ca.pem").toString(), "--token-file", dir.resolve("absent").toString(),
        "scores", "list");
    assertEquals(ExitCodes.USAGE, r.exitCode(), r.toString());
    assertTrue(r.err().contains("absent"), r.toString());
  }

  private void putRuleAlertingOnAnyScore() {
    ClientSecurity security =
        ClientSecurity.of(
            Optional.of(dir.resolve("ca.pem")),
            Optional.of(dir.resolve("operator.crt")),
            Optional.of(dir.resolve("operator.key")),
            Optional.of(dir.resolve("operator-token")),
            Duration.ofMinutes(1));
    ManagedChannel alerting = Channels.forAddress("localhost:" + suite.alertingPort(), security);
    try {
      AlertingServiceGrpc.newBlockingStub(alerting)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .putRule(
              PutRuleRequest.newBuilder()
                  .setRule(
                      Rule.newBuilder()
                          .setRuleId("any-score")
                          .setName("Any score")
                          .setSeverity(Severity.SEVERITY_WARNING)
                          .setCondition(
                              Condition.newBuilder()
                                  .setThreshold(
                                      ThresholdCondition.newBuilder()
                                          .setThreshold(10)
                                          .setDirection(CrossingDirection.CROSSING_DIRECTION_BELOW))))
                  .build());
    } finally {
      alerting.shutdownNow();
      security.close();
    }
  }
}
