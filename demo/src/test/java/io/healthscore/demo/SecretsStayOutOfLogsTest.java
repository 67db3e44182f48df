package io.healthscore.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.alerting.AlertingServer;
import io.healthscore.runtime.auth.BearerTokenFile;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.logging.LogFormat;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.LogCapture;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.scoring.ScoringServer;
import io.healthscore.signals.SignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.Condition;
import io.healthscore.v1.CrossingDirection;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.ListChannelsRequest;
import io.healthscore.v1.NotifyStep;
import io.healthscore.v1.PlaybookStep;
import io.healthscore.v1.PutChannelRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.Rule;
import io.healthscore.v1.Severity;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.TestChannelRequest;
import io.healthscore.v1.ThresholdCondition;
import io.healthscore.v1.UpsertAccountsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three services with auth on every hop, a signed webhook channel, a Slack channel and database
 * URLs carrying passwords, run from a signal to two deliveries and stopped: no secret appears in any
 * line they logged (text or JSON), in the channels the API lists, or in the errors it returns.
 */
class SecretsStayOutOfLogsTest {
  @TempDir Path dir;

  private static String secret(String kind) {
    return kind + "-" + UUID.randomUUID().toString().replace("-", "");
  }

  @Test
  void noSecretReachesALogLineAListOrAnError() throws Exception {
    Map<String, String> secrets = new LinkedHashMap<>();
    secrets.put("admin token", secret("admin"));
    secrets.put("service token", secret("service"));
    secrets.put("webhook signing key", secret("whsec"));
    secrets.put("Slack webhook path", "T0" + secret("B0") + "/" + secret("slack"));
    secrets.put("signals database password", secret("h2pw"));
    secrets.put("scoring database password", secret("pgpw"));
    secrets.put("alerting database password", secret("h2pw"));

    Files.writeString(dir.resolve("tokens"), secrets.get("admin token") + " admin\n"
        + secrets.get("service token") + " signals:read,scores:read\n");
    Files.writeString(dir.resolve("service-token"), secrets.get("service token") + "\n");
    Files.writeString(dir.resolve("admin-token"), secrets.get("admin token") + "\n");
    Map<String, String> shared = Map.of(
        ServiceConfig.AUTH_TOKENS, dir.resolve("tokens").toString(),
        ServiceConfig.CLIENT_TOKEN_FILE, dir.resolve("service-token").toString(),
        ServiceConfig.WEBHOOK_ALLOWLIST, "127.0.0.1",
        "HEALTHSCORE_FEED_COALESCE_WINDOW", "50ms");
    String scoringDb = PostgresTestSupport.jdbcUrl()
        .map(url -> PostgresTestSupport.freshSchema(url) + "&password=" + secrets.get("scoring database password"))
        .orElse(h2Url("scoring", secrets.get("scoring database password")));

    List<String> rawLeaks;
    String text;
    String json;
    try (LogCapture textLog = LogCapture.everything(LogFormat.TEXT);
        LogCapture jsonLog = LogCapture.everything(LogFormat.JSON);
        WebhookReceiver receiver = new WebhookReceiver()) {
      SignalsServer signals = SignalsServer.builder(config("signals-service", shared,
          h2Url("signals", secrets.get("signals database password")), Map.of())).build().start();
      ScoringServer scoring = ScoringServer.builder(config("scoring-service", shared, scoringDb,
          Map.of(ServiceConfig.SIGNALS_ADDR, "localhost:" + signals.server().grpcPort()))).build().start();
      AlertingServer alerting = AlertingServer.builder(config("alerting-service", shared,
          h2Url("alerting", secrets.get("alerting database password")),
          Map.of(ServiceConfig.SIGNALS_ADDR, "localhost:" + signals.server().grpcPort(),
              ServiceConfig.SCORING_ADDR, "localhost:" + scoring.grpcPort()))).build().start();
      BearerTokenFile admin = BearerTokenFile.load(dir.resolve("admin-token"));
      ManagedChannel toSignals = Channels.forAddress("localhost:" + signals.server().grpcPort());
      ManagedChannel toAlerting = Channels.forAddress("localhost:" + alerting.server().grpcPort());
      try {
        AlertingServiceGrpc.AlertingServiceBlockingStub alertingApi =
            AlertingServiceGrpc.newBlockingStub(toAlerting).withCallCredentials(admin);
        String slackUrl = receiver.url("/services/" + secrets.get("Slack webhook path"));
        alertingApi.putChannel(PutChannelRequest.newBuilder().setChannel(Channel.newBuilder()
            .setChannelId("cs-webhook").setType(ChannelType.CHANNEL_TYPE_WEBHOOK).setUrl(receiver.url("/hook"))
            .setSecret(secrets.get("webhook signing key"))).build());
        alertingApi.putChannel(PutChannelRequest.newBuilder().setChannel(Channel.newBuilder()
            .setChannelId("cs-slack").setType(ChannelType.CHANNEL_TYPE_SLACK).setUrl(slackUrl)).build());
        alertingApi.putRule(PutRuleRequest.newBuilder().setRule(Rule.newBuilder()
            .setRuleId("any-score").setName("Any score").setSeverity(Severity.SEVERITY_WARNING)
            .setCondition(Condition.newBuilder().setThreshold(ThresholdCondition.newBuilder()
                .setThreshold(10).setDirection(CrossingDirection.CROSSING_DIRECTION_BELOW)))
            .addPlaybook(PlaybookStep.newBuilder().setNotify(NotifyStep.newBuilder().setChannelId("cs-webhook")))
            .addPlaybook(PlaybookStep.newBuilder().setNotify(NotifyStep.newBuilder().setChannelId("cs-slack"))))
            .build());

        // What the API shows and says: no secret, the Slack URL masked, errors without the key.
        String listed = alertingApi.listChannels(ListChannelsRequest.getDefaultInstance()).toString();
        assertTrue(listed.contains("has_secret: true"), listed);
        assertTrue(listed.contains(receiver.url("/***")), listed);
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
            () -> alertingApi.putChannel(PutChannelRequest.newBuilder().setChannel(Channel.newBuilder()
                .setChannelId("cs-webhook").setType(ChannelType.CHANNEL_TYPE_SLACK).setUrl(slackUrl + "?x=1")
                .setSecret(secrets.get("webhook signing key")).setMaxAttempts(1000)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        // A caller that presents the whole token table as its token: gRPC refuses to send the
        // header and logs it (as bytes), so the log must mask it.
        StatusRuntimeException wrongToken = assertThrows(StatusRuntimeException.class,
            () -> AlertingServiceGrpc.newBlockingStub(toAlerting)
                .withCallCredentials(BearerTokenFile.load(dir.resolve("tokens")))
                .listChannels(ListChannelsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, wrongToken.getStatus().getCode());
        String answers = listed + refused + wrongToken
            + alertingApi.testChannel(TestChannelRequest.newBuilder().setChannelId("cs-webhook").build())
            + alertingApi.testChannel(TestChannelRequest.newBuilder().setChannelId("cs-slack").build());
        secrets.forEach((what, value) -> assertFalse(answers.contains(value), what + " in an answer: " + answers));

        // A signal through every authenticated hop becomes a score, an alert and two deliveries.
        SignalServiceGrpc.SignalServiceBlockingStub signalsApi =
            SignalServiceGrpc.newBlockingStub(toSignals).withCallCredentials(admin);
        signalsApi.upsertAccounts(UpsertAccountsRequest.newBuilder()
            .addAccounts(Account.newBuilder().setAccountId("acme").setName("Acme").setSegment("smb").setMrr(1200)).build());
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        IngestSignalsRequest.Builder batch = IngestSignalsRequest.newBuilder();
        for (int i = 0; i < 14; i++) {
          batch.addSignals(Signal.newBuilder().setEventId("acme-logins-" + i).setAccountId("acme")
              .setMetric("logins").setNumber(i % 3).setOccurredAt(com.google.protobuf.Timestamp.newBuilder()
                  .setSeconds(now.minus(i, ChronoUnit.DAYS).getEpochSecond())));
        }
        assertEquals(14, signalsApi.ingestSignals(batch.build()).getAccepted());
        try {
          Await.until("the alert delivered to the webhook and to Slack", () ->
              receiver.requests(r -> r.path().equals("/hook") && r.body().contains("acme")).size() >= 1
                  && receiver.requests(r -> r.path().startsWith("/services/") && r.body().contains("acme")).size() >= 1);
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "; alerts "
              + alertingApi.listAlerts(io.healthscore.v1.ListAlertsRequest.getDefaultInstance()) + "; score "
              + io.healthscore.v1.ScoringServiceGrpc.newBlockingStub(Channels.forAddress("localhost:" + scoring.grpcPort())).withCallCredentials(admin)
                  .getScore(io.healthscore.v1.GetScoreRequest.newBuilder().setAccountId("acme").build()), e);
        }
      } finally {
        toSignals.shutdownNow();
        toAlerting.shutdownNow();
        alerting.close();
        scoring.close();
        signals.close();
      }
      text = textLog.text();
      json = jsonLog.text();
      rawLeaks = secrets.entrySet().stream()
          .filter(s -> textLog.events().stream().anyMatch(e -> String.valueOf(e.getFormattedMessage()).contains(s.getValue())
              || String.valueOf(e.getFormattedMessage()).contains(s.getValue().chars().mapToObj(Integer::toString)
                  .collect(Collectors.joining(", ")))))
          .map(Map.Entry::getKey)
          .toList();
    }
    assertTrue(text.contains("alerting-service stopped"), "the whole run was captured");
    // gRPC's own line quotes the refused header: the masking, not luck, keeps the tokens out.
    assertTrue(rawLeaks.contains("admin token"), () -> "secrets in the events before masking: " + rawLeaks);
    for (Map.Entry<String, String> s : secrets.entrySet()) {
      // gRPC writes a header it cannot send as its bytes in decimal: look for that spelling too.
      String asBytes = s.getValue().chars().mapToObj(Integer::toString).collect(Collectors.joining(", "));
      for (String spelling : List.of(s.getValue(), asBytes)) {
        assertFalse(text.contains(spelling), () -> s.getKey() + " in the text log (unmasked in: " + rawLeaks + ")");
        assertFalse(json.contains(spelling), () -> s.getKey() + " in the JSON log (unmasked in: " + rawLeaks + ")");
      }
    }
  }

  private String h2Url(String name, String password) {
    return "jdbc:h2:file:" + dir.resolve(name).resolve(name) + ";USER=sa;PASSWORD=" + password + ";DB_CLOSE_ON_EXIT=FALSE";
  }

  private ServiceConfig config(String service, Map<String, String> shared, String dbUrl, Map<String, String> upstreams) {
    Map<String, String> env = new HashMap<>(shared);
    env.put(ServiceConfig.DB_URL, dbUrl);
    env.put(ServiceConfig.DATA_DIR, dir.resolve(service).toString());
    env.putAll(upstreams);
    return ServiceConfig.fromMap(service, 0, 0, env);
  }
}
