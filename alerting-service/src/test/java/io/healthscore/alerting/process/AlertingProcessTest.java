package io.healthscore.alerting.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.healthscore.alerting.AlertingServiceMain;
import io.healthscore.alerting.AlertingSettings;
import io.healthscore.alerting.fakes.FakeScoringService;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.runtime.testing.MutableClock;
import io.healthscore.runtime.testing.ServiceProcess;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.ListAlertsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * alerting-service as a process of its own, killed with SIGKILL while it raises and delivers
 * alerts, then restarted: every alert is delivered at least once (the receiver, deduplicating by
 * Idempotency-Key, holds exactly the expected set) and none is raised twice.
 */
class AlertingProcessTest {
  private static final int ACCOUNTS = 300;

  @TempDir Path dir;


  @Test
  void killedDuringDispatchDeliversEveryAlertAndRaisesNoneTwice() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    FakeScoringService scoring = new FakeScoringService(clock);
    FakeSignalService signals = new FakeSignalService(clock);
    Server upstream = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(scoring).addService(signals).build().start();
    try (WebhookReceiver receiver = new WebhookReceiver().delay(Duration.ofMillis(5))) {
      Path config = dir.resolve("config");
      Files.createDirectories(config.resolve("rules"));
      Files.createDirectories(config.resolve("channels"));
      Files.writeString(config.resolve("channels/hook.yaml"),
          "channel_id: hook\ntype: CHANNEL_TYPE_WEBHOOK\nurl: " + receiver.url() + "\nsecret: s3cret\n");
      Files.writeString(config.resolve("rules/red.yaml"), """
          rule_id: red
          condition: {band_transition: {to: [BAND_RED]}}
          playbook: [{notify: {channel_id: hook}}]
          """);
      for (int i = 0; i < ACCOUNTS / 2; i++) {
        scoring.push("acct-" + i, "default", 2);
      }
      Map<String, String> env = Map.of(
          ServiceConfig.DATA_DIR, dir.resolve("data").toString(),
          ServiceConfig.CONFIG_DIR, config.toString(),
          ServiceConfig.WEBHOOK_ALLOWLIST, "127.0.0.1",
          ServiceConfig.SCORING_ADDR, "127.0.0.1:" + upstream.getPort(),
          ServiceConfig.SIGNALS_ADDR, "127.0.0.1:" + upstream.getPort(),
          AlertingSettings.FEED_MAX_BACKOFF, "500ms",
          "HEALTHSCORE_DELIVERY_BACKOFF_BASE", "100ms",
          "HEALTHSCORE_DELIVERY_POLL_INTERVAL", "200ms");

      ServiceProcess first = start(env, dir.resolve("first.log"));
      for (int i = ACCOUNTS / 2; i < ACCOUNTS; i++) {
        scoring.push("acct-" + i, "default", 2);
      }
      Await.until("deliveries under way", Duration.ofSeconds(60), () -> receiver.acceptedKeys().size() >= 20);
      first.kill9();
      int deliveredBeforeCrash = receiver.acceptedKeys().size();
      assertTrue(deliveredBeforeCrash < ACCOUNTS, "killed before delivering everything: " + deliveredBeforeCrash);

      try (ServiceProcess second = start(env, dir.resolve("second.log"))) {
        var stub = AlertingServiceGrpc.newBlockingStub(second.channel());
        Await.until("every alert delivered", Duration.ofSeconds(120), () -> receiver.acceptedKeys().size() >= ACCOUNTS);
        List<Alert> alerts = stub.listAlerts(ListAlertsRequest.newBuilder().setPageSize(1000).build()).getAlertsList();
        Map<String, Long> perKey = alerts.stream()
            .collect(Collectors.groupingBy(Alert::getDedupKey, Collectors.counting()));
        assertEquals(ACCOUNTS, perKey.size());
        assertTrue(perKey.values().stream().allMatch(n -> n == 1), "an alert was raised twice");
        Set<String> expected = alerts.stream().map(a -> a.getAlertId() + "/ALERT_EVENT_KIND_OPENED")
            .collect(Collectors.toSet());
        assertEquals(expected, receiver.acceptedKeys());
        assertTrue(receiver.requests().size() >= ACCOUNTS);
      } finally {
        first.close();
      }
    } finally {
      upstream.shutdownNow();
    }
  }

  private static ServiceProcess start(Map<String, String> env, Path log) {
    ServiceProcess.Builder builder = ServiceProcess.builder(AlertingServiceMain.class.getName()).logFile(log);
    env.forEach(builder::env);
    return builder.start();
  }
}
