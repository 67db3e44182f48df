package io.healthscore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.healthscore.cli.local.Suite;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line against the three real services in this JVM. Tests run in order: the imports
 * load the accounts and signals that the reading commands then read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private Suite suite;

  @BeforeAll
  void start() {
    suite = Suite.start(dir.resolve("data"), Map.of("HEALTHSCORE_FEED_COALESCE_WINDOW", "50ms"), false);
  }

  @AfterAll
  void stop() {
    suite.close();
  }

  private CliRun cli(String... args) {
    return CliRun.of(suite.signalsPort(), suite.scoringPort(), suite.alertingPort(), args);
  }

  private Path write(String name, String... lines) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, List.of(lines), StandardCharsets.UTF_8);
    return p;
  }

  @Test
  @Order(1)
  void importAccountsReportsCreatedAndWritesRejectedRowsWithTheirField() throws IOException {
    Path accounts = write("accounts.csv",
        "account_id,name,segment,licenses,mrr,contract_start,renewal_date,billing_period,owner,attributes.region",
        "acme,Acme,smb,40,1200,2026-01-01T00:00:00Z,2027-01-01T00:00:00Z,annual,ana@example.com,emea",
        "globex,\"Globex, Inc.\",smb,10,300,2026-03-01,2027-03-01,monthly,bo@example.com,amer",
        "initech,Initech,enterprise,200,9000,2025-06-01T00:00:00Z,2026-12-31T00:00:00Z,BILLING_PERIOD_ANNUAL,ana@example.com,",
        "bad-mrr,Bad,smb,5,lots,2026-01-01T00:00:00Z,,,,",
        ",No id,smb,5,100,2026-01-01T00:00:00Z,,,,");
    Path rejected = dir.resolve("accounts-rejected.csv");
    CliRun r = cli("import", "accounts", accounts.toString(), "--rejected", rejected.toString());
    assertEquals(ExitCodes.REJECTED_ROWS, r.exitCode(), r.toString());
    assertTrue(r.out().contains("accounts: 5 rows"), r.out());
    assertTrue(r.out().contains("3 accepted (3 created, 0 updated)"), r.out());
    assertTrue(r.out().contains("2 rejected"), r.out());
    List<String> lines = Files.readAllLines(rejected);
    assertEquals("line,field,reason,account_id,name,segment,licenses,mrr,contract_start,renewal_date,billing_period,owner,attributes.region",
        lines.get(0));
    assertEquals(3, lines.size(), lines.toString());
    assertTrue(lines.get(1).startsWith("5,mrr,not a number: 'lots',bad-mrr,"), lines.get(1));
    // The service's own reason for the empty id, with the field it names.
    assertTrue(lines.get(2).startsWith("6,account_id,"), lines.get(2));

    CliRun again = cli("--json", "import", "accounts", accounts.toString());
    JsonNode summary = JSON.readTree(again.out());
    assertEquals(3, summary.get("updated").asLong(), again.toString());
    assertEquals(0, summary.get("created").asLong());
    assertEquals(2, summary.get("rejected").asLong());
  }

  @Test
  @Order(2)
  void importSignalsCountsAcceptedDuplicatesAndRejectedAndNamesMetricsNoScorecardReads() throws IOException {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String at = now.minus(i, ChronoUnit.DAYS).toString();
      lines.add("{\"event_id\":\"acme-login-" + i + "\",\"account_id\":\"acme\",\"user_id\":\"u" + (i % 7) + "\",\"metric\":\"login\",\"number\":1,\"occurred_at\":\"" + at + "\",\"source\":\"product\"}");
      lines.add("{\"eventId\":\"acme-au-" + i + "\",\"accountId\":\"acme\",\"metric\":\"active_users\",\"number\":" + (30 + i % 5) + ",\"occurredAt\":\"" + at + "\"}");
      lines.add("{\"event_id\":\"globex-logins-" + i + "\",\"account_id\":\"globex\",\"user_id\":\"g1\",\"metric\":\"logins\",\"number\":1,\"occurred_at\":\"" + at + "\"}");
    }
    lines.add("{\"event_id\":\"acme-champion\",\"account_id\":\"acme\",\"metric\":\"csm.champion\",\"label\":\"yes\",\"occurred_at\":\"" + now + "\"}");
    lines.add("{\"event_id\":\"acme-login-0\",\"account_id\":\"acme\",\"metric\":\"login\",\"number\":1,\"occurred_at\":\"" + now + "\"}");
    lines.add("{\"event_id\":\"nobody-1\",\"account_id\":\"nobody\",\"metric\":\"logins\",\"number\":1,\"occurred_at\":\"" + now + "\"}");
    lines.add("{\"event_id\":\"bad-time\",\"account_id\":\"acme\",\"metric\":\"logins\",\"number\":1,\"occurred_at\":\"yesterday\"}");
    lines.add("not json at all");
    Path signals = write("signals.jsonl", lines.toArray(String[]::new));
    Path rejected = dir.resolve("signals-rejected.jsonl");

    CliRun r = cli("--json", "import", "signals", signals.toString(), "--rejected", rejected.toString(), "--batch-size", "25");
    assertEquals(ExitCodes.REJECTED_ROWS, r.exitCode(), r.toString());
    JsonNode s = JSON.readTree(r.out());
    assertEquals(95, s.get("rows").asLong());
    assertEquals(91, s.get("accepted").asLong(), r.out());
    assertEquals(1, s.get("duplicates").asLong(), r.out());
    assertEquals(3, s.get("rejected").asLong(), r.out());
    assertEquals("login", s.get("metrics_no_scorecard_reads").get(0).asText(), r.out());
    List<JsonNode> rows = new ArrayList<>();
    for (String line : Files.readAllLines(rejected)) {
      rows.add(JSON.readTree(line));
    }
    assertEquals(3, rows.size());
    // Client-side rejections are written as the file is read, the service's as batches are answered.
    rows.sort(java.util.Comparator.comparingLong(n -> n.get("line").asLong()));
    assertEquals(93, rows.get(0).get("line").asLong());
    assertEquals("account_id", rows.get(0).get("field").asText(), rows.toString());
    assertEquals("nobody", rows.get(0).get("row").get("account_id").asText());
    assertEquals("occurred_at", rows.get(1).get("field").asText());
    assertEquals(94, rows.get(1).get("line").asLong());
    assertEquals("not json at all", rows.get(2).get("row").asText());
    assertTrue(rows.stream().anyMatch(n -> n.get("reason").asText().contains("RFC 3339")), rows.toString());

    CliRun table = cli("import", "signals", signals.toString());
    assertTrue(table.out().contains("0 accepted, 92 duplicates, 3 rejected"), table.out());
    assertTrue(table.out().contains("metric login (31 rows) is read by no active scorecard; did you mean logins?"), table.out());
    assertTrue(table.out().contains("docs/mapping.md"), table.out());
  }

  @Test
  @Order(3)
  void importOutcomesCountsDuplicates() throws IOException {
    Path outcomes = write("outcomes.csv",
        "event_id,account_id,type,occurred_at,mrr_delta",
        "o-1,initech,renewed,2025-12-31T00:00:00Z,0",
        "o-2,globex,OUTCOME_TYPE_EXPANDED,2026-06-01T00:00:00Z,100",
        "o-3,globex,upgraded,2026-06-01T00:00:00Z,100");
    CliRun r = cli("import", "outcomes", outcomes.toString());
    assertEquals(ExitCodes.REJECTED_ROWS, r.exitCode(), r.toString());
    assertTrue(r.out().contains("2 accepted, 0 duplicates, 1 rejected"), r.out());
    assertTrue(r.out().contains("line 4: type: unknown value 'upgraded'; one of renewed, churned, expanded, contracted"), r.out());
    CliRun again = cli("import", "outcomes", outcomes.toString());
    assertTrue(again.out().contains("0 accepted, 2 duplicates, 1 rejected"), again.out());
  }

  @Test
  @Order(4)
  void scoresListAndExplainReadTheImportedAccounts() throws Exception {
    JsonNode scores = awaitScores(2);
    List<String> ids = new ArrayList<>();
    scores.forEach(n -> ids.add(n.get("account_id").asText()));
    assertTrue(ids.containsAll(List.of("acme", "globex")), ids.toString());

    CliRun table = cli("scores", "list", "--order", "mrr-at-risk", "--limit", "5");
    assertEquals(0, table.exitCode(), table.toString());
    assertTrue(table.out().startsWith("account"), table.out());
    assertTrue(table.out().contains("acme"), table.out());

    CliRun owned = cli("--json", "scores", "list", "--owner", "bo@example.com");
    JsonNode ownedScores = JSON.readTree(owned.out());
    assertEquals(1, ownedScores.size(), owned.out());
    assertEquals("globex", ownedScores.get(0).get("account_id").asText());

    CliRun explain = cli("explain", "acme");
    assertEquals(0, explain.exitCode(), explain.toString());
    assertTrue(explain.out().startsWith("acme: "), explain.out());
    assertTrue(explain.out().contains("Note: this account sends metrics no active scorecard reads: login."), explain.out());
    JsonNode explained = JSON.readTree(cli("--json", "explain", "acme").out());
    assertEquals("acme", explained.get("score").get("account_id").asText());
    assertEquals("login", explained.get("metrics_no_scorecard_reads").get(0).asText());

    CliRun history = cli("history", "acme");
    assertEquals(0, history.exitCode(), history.toString());
    assertTrue(history.out().matches("(?s)acme \\(balanced\\): [▁▂▃▄▅▆▇█]+ .*"), history.out());
  }

  @Test
  @Order(5)
  void scorecardValidationNamesTheFieldAndWhatACardReads() throws IOException {
    Path bad = write("bad.yaml",
        "scorecard_id: usage-only",
        "components:",
        "  - component_id: usage",
        "    weight: 0",
        "    measures:",
        "      - {measure_id: logins, feature: login.count_30d, weight: 1, linear: {worst: 0, best: 40}}");
    CliRun r = cli("scorecards", "validate", bad.toString());
    assertEquals(ExitCodes.INVALID, r.exitCode(), r.toString());
    assertTrue(r.err().contains("components[0].weight"), r.toString());

    Path good = write("usage-only.yaml",
        "scorecard_id: usage-only",
        "segments: [enterprise]",
        "priority: 20",
        "components:",
        "  - component_id: usage",
        "    weight: 1",
        "    measures:",
        "      - {measure_id: logins, feature: login.count_30d, weight: 1, linear: {worst: 0, best: 40}}",
        "      - {measure_id: seats, feature: seats_used.sum_30d, weight: 1, linear: {worst: 0, best: 10}}");
    CliRun ok = cli("scorecards", "validate", good.toString());
    assertEquals(0, ok.exitCode(), ok.toString());
    assertTrue(ok.out().contains("  login: login.count_30d"), ok.out());
    // A metric no account has ever sent is named, so a producer can fix its names before applying.
    assertTrue(ok.out().contains("warning: measure seats: no account has ever sent metric seats_used;"), ok.out());
    assertFalse(ok.out().contains("metric login;"), ok.out());
    CliRun preview = cli("--json", "scorecards", "preview", good.toString());
    assertEquals(0, preview.exitCode(), preview.toString());
    assertTrue(JSON.readTree(preview.out()).isObject());
    CliRun applied = cli("scorecards", "apply", good.toString());
    assertTrue(applied.out().startsWith("applied usage-only version 1"), applied.toString());
    CliRun list = cli("--json", "scorecards", "list");
    List<String> cards = new ArrayList<>();
    JSON.readTree(list.out()).forEach(n -> cards.add(n.get("scorecard_id").asText()));
    assertTrue(cards.contains("usage-only"), list.out());
  }

  @Test
  @Order(6)
  void alertsTasksAndForecastPrintParsableJson() throws IOException {
    for (String[] args : List.of(
        new String[] {"--json", "alerts", "list", "--all"},
        new String[] {"--json", "tasks", "list", "--all"},
        new String[] {"--json", "forecast", "--by", "segment"})) {
      CliRun r = cli(args);
      assertEquals(0, r.exitCode(), r.toString());
      JsonNode n = JSON.readTree(r.out());
      assertTrue(n.isArray() || n.isObject(), r.out());
    }
    CliRun forecast = cli("forecast");
    assertTrue(forecast.out().contains("smb"), forecast.out());
  }

  @Test
  @Order(7)
  void exitCodesScriptsCanTrust() throws IOException {
    assertEquals(ExitCodes.NOT_FOUND, cli("explain", "no-such-account").exitCode());
    assertEquals(ExitCodes.USAGE, cli("scores", "list", "--no-such-option").exitCode());
    assertEquals(ExitCodes.USAGE, cli("scores", "list", "--band", "purple").exitCode());
    assertEquals(ExitCodes.USAGE, cli("import", "signals", write("signals.txt", "x").toString()).exitCode());
    assertEquals(ExitCodes.NOT_FOUND, cli("alerts", "ack", "no-such-alert").exitCode());
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    CliRun down = CliRun.of(closed, closed, closed, "scores", "list");
    assertEquals(ExitCodes.UNAVAILABLE, down.exitCode(), down.toString());
    assertTrue(down.err().startsWith("healthscore: UNAVAILABLE"), down.err());
    CliRun help = cli("--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.out().contains("import") && help.out().contains("Exit codes:"), help.out());
  }

  @Test
  @Order(8)
  void modelsAreTrainedListedActivatedAndBacktested() throws Exception {
    // Two dozen accounts with half a year of history; the ones with few active seats churned.
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<String> accounts = new ArrayList<>(List.of("account_id,name,segment,licenses,mrr,contract_start"));
    List<String> signals = new ArrayList<>(List.of("event_id,account_id,metric,number,occurred_at"));
    List<String> outcomes = new ArrayList<>(List.of("event_id,account_id,type,occurred_at,mrr_delta"));
    for (int i = 0; i < 24; i++) {
      String id = "learn-" + i;
      boolean churns = i % 3 == 0;
      accounts.add(id + "," + id + ",mid-market,20,1000," + now.minus(Duration.ofDays(400)));
      for (int week = 30; week >= 15; week--) {
        double seats = churns ? 2 + i % 2 : 15 + i % 4;
        signals.add(id + "-" + week + "," + id + ",seats_active," + seats + "," + now.minus(Duration.ofDays(7L * week)));
      }
      outcomes.add(id + "-o," + id + "," + (churns ? "churned" : "renewed") + "," + now.minus(Duration.ofDays(100)) + "," + (churns ? -1000 : 0));
    }
    assertEquals(0, cli("import", "accounts", write("learn-accounts.csv", accounts.toArray(String[]::new)).toString()).exitCode());
    assertEquals(0, cli("import", "signals", write("learn-signals.csv", signals.toArray(String[]::new)).toString()).exitCode());
    assertEquals(0, cli("import", "outcomes", write("learn-outcomes.csv", outcomes.toArray(String[]::new)).toString()).exitCode());

    CliRun calibrated = cli("--json", "calibrate");
    assertEquals(0, calibrated.exitCode(), calibrated.toString());
    String model = JSON.readTree(calibrated.out()).get("model_id").asText();

    CliRun listed = cli("models", "list");
    assertEquals(0, listed.exitCode(), listed.toString());
    assertTrue(listed.out().startsWith("model"), listed.out());
    assertTrue(listed.out().matches("(?s).*" + model + " +inactive +ebm +- +90d .*"), listed.out());

    CliRun activated = cli("models", "activate", model);
    assertEquals(0, activated.exitCode(), activated.toString());
    assertTrue(activated.out().startsWith(model + ": active"), activated.out());
    JsonNode models = JSON.readTree(cli("--json", "models", "list", "--scorecard", "-").out());
    assertEquals(model, models.get(0).get("model_id").asText(), models.toString());
    assertEquals("MODEL_STATE_ACTIVE", models.get(0).get("state").asText(), models.toString());

    CliRun backtest = cli("backtest", "--model", model, "--folds", "3");
    assertEquals(0, backtest.exitCode(), backtest.toString());
    assertTrue(backtest.out().contains(", 3-fold: AUC"), backtest.out());
    CliRun forecast = cli("forecast", "--by", "total");
    assertTrue(forecast.out().contains("churn probabilities from model " + model), forecast.out());

    // The report backtests the served model and draws the forecast's simulated range.
    Path html = dir.resolve("report.html");
    CliRun report = cli("report", "--out", html.toString());
    assertEquals(0, report.exitCode(), report.toString());
    String page = Files.readString(html, StandardCharsets.UTF_8);
    assertTrue(page.contains("model " + model + ", in-sample"), page.substring(page.lastIndexOf("modelLabel") - 10, page.lastIndexOf("modelLabel") + 120));
    assertTrue(page.matches("(?s).*\"churnMrrP90\":\\[[0-9].*"), "churned MRR P90 per segment");

    assertEquals(ExitCodes.NOT_FOUND, cli("models", "activate", "no-such-model").exitCode());
    assertEquals(ExitCodes.USAGE, cli("models", "activate").exitCode());
    assertEquals(ExitCodes.USAGE, cli("backtest", "--model", model, "--folds", "3", "--split", "2026-01-01").exitCode());
  }

  private JsonNode awaitScores(int atLeast) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (true) {
      CliRun r = cli("--json", "scores", "list", "--limit", "100");
      assertEquals(0, r.exitCode(), r.toString());
      JsonNode scores = JSON.readTree(r.out());
      int withData = 0;
      for (JsonNode n : scores) {
        if (!n.path("no_data").asBoolean(false)) {
          withData++;
        }
      }
      if (withData >= atLeast) {
        return scores;
      }
      assertFalse(Instant.now().isAfter(deadline), "scores did not appear: " + r.out());
      Thread.sleep(200);
    }
  }
}
