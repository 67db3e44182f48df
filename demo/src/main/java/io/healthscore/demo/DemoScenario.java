package io.healthscore.demo;

import io.grpc.ManagedChannel;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.client.Deadlines;
import io.healthscore.v1.Account;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.AnyOfCondition;
import io.healthscore.v1.AlertingServiceGrpc.AlertingServiceBlockingStub;
import io.healthscore.v1.Band;
import io.healthscore.v1.BandTransitionCondition;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.Condition;
import io.healthscore.v1.CreateTaskStep;
import io.healthscore.v1.ExplainScoreRequest;
import io.healthscore.v1.ExplainScoreResponse;
import io.healthscore.v1.ForecastGrouping;
import io.healthscore.v1.ForecastRetentionRequest;
import io.healthscore.v1.ForecastRetentionResponse;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ListTasksRequest;
import io.healthscore.v1.NotifyStep;
import io.healthscore.v1.PlaybookStep;
import io.healthscore.v1.PutChannelRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.RetentionForecast;
import io.healthscore.v1.ScoreDropCondition;
import io.healthscore.v1.Rule;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.ScoringServiceGrpc.ScoringServiceBlockingStub;
import io.healthscore.v1.Severity;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.SignalServiceGrpc.SignalServiceBlockingStub;
import io.healthscore.v1.Task;
import io.healthscore.v1.UpsertAccountsRequest;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * What the demo shows, through the public gRPC API only: sample accounts and their history go in,
 * explained scores come out, one healthy account has a bad week, its score turns, and the alert
 * reaches a signed webhook with a task for its owner.
 */
public final class DemoScenario implements AutoCloseable {
  static final String WEBHOOK_SECRET = "demo-secret";

  private final PrintStream out;
  private final ManagedChannel signalsChannel;
  private final ManagedChannel scoringChannel;
  private final ManagedChannel alertingChannel;
  private final WebhookReceiver webhook;

  public DemoScenario(Suite suite, PrintStream out) throws java.io.IOException {
    this.out = out;
    this.signalsChannel = Channels.forAddress("localhost:" + suite.signalsPort());
    this.scoringChannel = Channels.forAddress("localhost:" + suite.scoringPort());
    this.alertingChannel = Channels.forAddress("localhost:" + suite.alertingPort());
    this.webhook =
        WebhookReceiver.start(
            WEBHOOK_SECRET,
            d -> out.printf("  webhook <- %s (signature %s)%n  %s%n", d.idempotencyKey(),
                d.signatureValid() ? "valid" : "INVALID", d.body()));
  }

  /** Runs the story; returns the account that had the bad week. */
  public String run(int accountCount) throws InterruptedException {
    Instant now = Instant.now();
    DemoData data = new DemoData(now, 90, 42);
    List<Account> accounts = data.accounts(accountCount);

    out.println("== 1. A webhook channel and two rules");
    alerting().putChannel(PutChannelRequest.newBuilder().setChannel(Channel.newBuilder()
        .setChannelId("demo-webhook").setName("Demo webhook").setType(ChannelType.CHANNEL_TYPE_WEBHOOK)
        .setUrl(webhook.url()).setSecret(WEBHOOK_SECRET)).build());
    alerting().putRule(PutRuleRequest.newBuilder().setRule(Rule.newBuilder()
        .setRuleId("demo-health-turned").setName("Healthy account turned")
        .setDescription("A green account left the green band, or any score fell 1.5 points in a week.")
        .setSeverity(Severity.SEVERITY_CRITICAL)
        .setCondition(Condition.newBuilder().setAnyOf(AnyOfCondition.newBuilder()
            .addConditions(Condition.newBuilder().setBandTransition(BandTransitionCondition.newBuilder()
                .addFrom(Band.BAND_GREEN).addTo(Band.BAND_YELLOW).addTo(Band.BAND_RED)))
            .addConditions(Condition.newBuilder().setScoreDrop(ScoreDropCondition.newBuilder()
                .setPoints(1.5).setWithinDays(7)))))
        .addPlaybook(PlaybookStep.newBuilder().setNotify(NotifyStep.newBuilder().setChannelId("demo-webhook")))
        .addPlaybook(PlaybookStep.newBuilder().setCreateTask(CreateTaskStep.newBuilder()
            .setTitle("Call the sponsor: payments failing and champion gone").setDueInDays(2))))
        .build());
    out.printf("  channel demo-webhook -> %s%n  rule demo-health-turned: green -> yellow/red, or a drop of 1.5 in 7 days%n", webhook.url());

    out.printf("== 2. %d accounts with 90 days of signals%n", accountCount);
    signals().upsertAccounts(UpsertAccountsRequest.newBuilder().addAllAccounts(accounts).build());
    // One atomic batch per account, so each account is scored on its whole history at once.
    long accepted = 0;
    for (int i = 0; i < accounts.size(); i++) {
      accepted += ingest(data.history(accounts.get(i), DemoData.profileOf(i)));
    }
    out.printf("  %,d signals stored%n", accepted);

    out.println("== 3. Scores");
    List<String> ids = accounts.stream().map(Account::getAccountId).toList();
    await("every account scored", Duration.ofSeconds(90), () -> scores(ids).stream().noneMatch(HealthScore::getNoData));
    List<HealthScore> scores = new ArrayList<>(scores(ids));
    scores.sort(Comparator.comparingDouble(HealthScore::getScore));
    out.printf("  %-9s %-11s %-8s %5s  %-6s %8s  %s%n", "account", "segment", "profile", "score", "band", "coverage", "top driver");
    for (HealthScore s : scores) {
      int index = ids.indexOf(s.getAccountId());
      out.printf(Locale.ROOT, "  %-9s %-11s %-8s %5.1f  %-6s %7.0f%%  %s%n", s.getAccountId(),
          accounts.get(index).getSegment(), DemoData.profileOf(index).name().toLowerCase(Locale.ROOT),
          s.getScore(), band(s.getBand()), s.getCoverage() * 100,
          s.getDriversCount() > 0 ? s.getDrivers(0).getSentence() : "");
    }
    explain(scores.get(0).getAccountId());

    HealthScore healthiest = scores.get(scores.size() - 1);
    String target = healthiest.getAccountId();
    out.printf("== 4. A bad week for %s (%.1f, %s): payments fail, champion and sponsor leave%n",
        target, healthiest.getScore(), band(healthiest.getBand()));
    ingest(data.downturn(target));
    await("the score of " + target + " to change", Duration.ofSeconds(60),
        () -> score(target).getScore() < healthiest.getScore() - 0.5);
    HealthScore after = score(target);
    out.printf(Locale.ROOT, "  %s: %.1f %s -> %.1f %s%n", target, healthiest.getScore(), band(healthiest.getBand()),
        after.getScore(), band(after.getBand()));
    explain(target);

    out.println("== 5. Alerts, deliveries and tasks");
    await("the alert to reach the webhook", Duration.ofSeconds(60), () -> !webhook.deliveries().isEmpty());
    alerting().listAlerts(ListAlertsRequest.newBuilder().setAccountId(target).build()).getAlertsList()
        .forEach(a -> out.printf("  alert %s [%s, %s] %s%n", a.getRuleId(), a.getSeverity(), a.getState(), a.getReason()));
    for (Task t : alerting().listTasks(ListTasksRequest.newBuilder().setAccountId(target).build()).getTasksList()) {
      out.printf("  task for %s: %s%n", t.getAssignee(), t.getTitle());
    }

    out.println("== 6. Revenue retention forecast (90 days, by segment)");
    ForecastRetentionResponse forecast = scoring().forecastRetention(ForecastRetentionRequest.newBuilder()
        .setPeriodDays(90).setGrouping(ForecastGrouping.FORECAST_GROUPING_SEGMENT).build());
    for (RetentionForecast f : forecast.getGroupsList()) {
      printForecast(f);
    }
    printForecast(forecast.getTotal());
    out.printf("  (%s)%n", forecast.getMethod());
    return target;
  }

  private void printForecast(RetentionForecast f) {
    out.printf(Locale.ROOT, "  %-11s %3d accounts  MRR %,10.0f  GRR %5.1f%%  NRR %5.1f%%  at risk %,9.0f%n",
        f.getGroup(), f.getAccounts(), f.getStartingMrr(), f.getExpectedGrr() * 100, f.getExpectedNrr() * 100,
        f.getRevenueAtRisk());
  }

  private void explain(String accountId) {
    ExplainScoreResponse explained =
        scoring().explainScore(ExplainScoreRequest.newBuilder().setAccountId(accountId).build());
    out.printf("  why %s: %s%n", accountId, explained.getSummary());
    explained.getLinesList().stream().limit(5).forEach(line -> out.println("    " + line));
  }

  private long ingest(List<Signal> batch) {
    IngestSignalsResponse response = signals().ingestSignals(
        IngestSignalsRequest.newBuilder().addAllSignals(batch).setAtomic(true).build());
    return response.getAccepted();
  }

  private List<HealthScore> scores(List<String> ids) {
    return scoring().batchGetScores(BatchGetScoresRequest.newBuilder().addAllAccountIds(ids).build()).getScoresList();
  }

  private HealthScore score(String accountId) {
    return scoring().getScore(GetScoreRequest.newBuilder().setAccountId(accountId).build()).getScore();
  }

  private static String band(Band band) {
    return band.name().replace("BAND_", "").toLowerCase(Locale.ROOT);
  }

  private void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(200);
    }
  }

  private SignalServiceBlockingStub signals() {
    return Deadlines.withDefault(SignalServiceGrpc.newBlockingStub(signalsChannel));
  }

  private ScoringServiceBlockingStub scoring() {
    return Deadlines.withDefault(ScoringServiceGrpc.newBlockingStub(scoringChannel));
  }

  private AlertingServiceBlockingStub alerting() {
    return Deadlines.withDefault(AlertingServiceGrpc.newBlockingStub(alertingChannel));
  }

  public WebhookReceiver webhook() {
    return webhook;
  }

  @Override
  public void close() {
    webhook.close();
    signalsChannel.shutdownNow();
    scoringChannel.shutdownNow();
    alertingChannel.shutdownNow();
  }
}
