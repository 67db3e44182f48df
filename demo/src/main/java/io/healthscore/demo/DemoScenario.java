package io.healthscore.demo;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.cli.local.Suite;
import io.healthscore.cli.output.Progress;
import io.healthscore.cli.output.Terminal;
import io.healthscore.runtime.client.Channels;
import io.healthscore.scoring.scorecard.ScorecardTemplates;
import io.healthscore.scoring.scoring.ScoreViews;
import io.healthscore.v1.Account;
import io.healthscore.v1.Alert;
import io.healthscore.v1.ActivateModelRequest;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.AlertingServiceGrpc.AlertingServiceBlockingStub;
import io.healthscore.v1.AnyOfCondition;
import io.healthscore.v1.BacktestReport;
import io.healthscore.v1.BacktestRequest;
import io.healthscore.v1.Band;
import io.healthscore.v1.BandTransitionCondition;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.Component;
import io.healthscore.v1.Condition;
import io.healthscore.v1.CreateTaskStep;
import io.healthscore.v1.Driver;
import io.healthscore.v1.ForecastGrouping;
import io.healthscore.v1.ForecastRetentionRequest;
import io.healthscore.v1.ForecastRetentionResponse;
import io.healthscore.v1.GetRescoreRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ListScoresRequest;
import io.healthscore.v1.Measure;
import io.healthscore.v1.ModelInfo;
import io.healthscore.v1.ModelState;
import io.healthscore.v1.NotifyStep;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.PlaybookStep;
import io.healthscore.v1.PutChannelRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.PutScorecardRequest;
import io.healthscore.v1.RecordOutcomesRequest;
import io.healthscore.v1.Rescore;
import io.healthscore.v1.RescoreState;
import io.healthscore.v1.RetentionForecast;
import io.healthscore.v1.Rule;
import io.healthscore.v1.ScoreDropCondition;
import io.healthscore.v1.ScoreOrder;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.ScoringServiceGrpc.ScoringServiceBlockingStub;
import io.healthscore.v1.ScoringServiceGrpc.ScoringServiceFutureStub;
import io.healthscore.v1.Severity;
import io.healthscore.v1.Signal;
import io.healthscore.v1.StartRescoreRequest;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.SignalServiceGrpc.SignalServiceBlockingStub;
import io.healthscore.v1.TermImportance;
import io.healthscore.v1.UpsertAccountsRequest;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * What the demo shows, through the public gRPC API only: a portfolio in three segments, each with
 * its own scorecard, a year of signals and outcomes; scores, a model learned from the outcomes and
 * its backtest; a bad week for a few healthy accounts that raises alerts delivered to a signed
 * webhook; and a summary a CS team would read first.
 */
public final class DemoScenario implements AutoCloseable {
  static final String WEBHOOK_SECRET = "demo-secret";
  static final String RULE_ID = "demo-health-turned";
  private static final int SIGNAL_BATCH = 5000;
  private static final int HORIZON_DAYS = 90;
  private static final int CALL_DEADLINE_SECONDS = 120;
  /** A served learned model explains each score with every term it has, so scores come in small batches. */
  private static final int SCORES_PER_CALL = 100;
  private static final int BACKTEST_SPLIT_DAYS_AGO = 180;

  private final PrintStream out;
  private final PrintWriter progressOut;
  private final boolean colour;
  private final ManagedChannel signalsChannel;
  private final ManagedChannel scoringChannel;
  private final ManagedChannel alertingChannel;
  private final WebhookReceiver webhook;

  /** What the run found, for the summary and the tests. */
  public static final class Summary {
    public final Map<String, long[]> bandsBySegment = new TreeMap<>();
    public final List<HealthScore> topAtRisk = new ArrayList<>();
    public final List<String> liveAccounts = new ArrayList<>();
    public String modelId = "";
    public BacktestReport backtest = BacktestReport.getDefaultInstance();
    public String forecastMethod = "";
    /** Seconds each step took, in order. */
    public final Map<String, Long> stepSeconds = new LinkedHashMap<>();
    public final List<Alert> alerts = new ArrayList<>();
    public RetentionForecast total;
    public long signals;
    public long outcomes;
    public long churned;
  }

  public DemoScenario(Suite suite, PrintStream out) throws java.io.IOException {
    this.out = out;
    this.progressOut = new PrintWriter(System.err, true);
    this.colour = Terminal.interactive();
    this.signalsChannel = Channels.forAddress("localhost:" + suite.signalsPort());
    this.scoringChannel = Channels.forAddress("localhost:" + suite.scoringPort());
    this.alertingChannel = Channels.forAddress("localhost:" + suite.alertingPort());
    this.webhook = WebhookReceiver.start(WEBHOOK_SECRET, d -> { });
  }

  public Summary run(int accountCount) throws InterruptedException {
    Instant now = Instant.now();
    Portfolio portfolio = new Portfolio(now, accountCount, 42);
    Summary summary = new Summary();
    Stopwatch step = new Stopwatch(summary.stepSeconds);

    out.println("== 1. Three segments, each with its own scorecard, and an alert rule");
    for (Portfolio.Segment s : Portfolio.Segment.values()) {
      Scorecard card = scorecardFor(s);
      scoring().putScorecard(PutScorecardRequest.newBuilder().setScorecard(card).build());
      out.printf("  %-11s %-22s desired outcome: %s%n", s.id, card.getScorecardId(), s.desiredOutcome);
    }
    alertRule();
    out.printf("  rule %s: green -> yellow/red, or a drop of 1.5 in 7 days; webhook %s%n", RULE_ID, webhook.url());

    step.lap("scorecards and rule");
    out.printf("== 2. %,d accounts, a year of signals, and the renewals and churn of the past year%n", accountCount);
    // The records as they were a year ago, then each renewal and churn when it happened: as-of
    // reads (what the model learns from) see an account as it was then, not as it is today.
    List<Account> yearAgo = portfolio.members().stream().map(m -> m.yearAgo).toList();
    for (int i = 0; i < yearAgo.size(); i += 500) {
      signals().upsertAccounts(UpsertAccountsRequest.newBuilder().addAllAccounts(yearAgo.subList(i, Math.min(yearAgo.size(), i + 500)))
          .setEffectiveTime(Portfolio.ts(portfolio.historyStart())).build());
    }
    for (Portfolio.Member m : portfolio.members()) {
      for (Portfolio.RecordChange c : m.recordChanges) {
        signals().upsertAccounts(UpsertAccountsRequest.newBuilder().addAccounts(c.account()).setEffectiveTime(Portfolio.ts(c.effective())).build());
      }
    }
    Map<String, Long> ackedAt = new HashMap<>();
    summary.signals = loadSignals(portfolio, ackedAt);
    List<Outcome> outcomes = portfolio.outcomes();
    for (int i = 0; i < outcomes.size(); i += 1000) {
      signals().recordOutcomes(RecordOutcomesRequest.newBuilder().addAllOutcomes(outcomes.subList(i, Math.min(outcomes.size(), i + 1000))).build());
    }
    summary.outcomes = outcomes.size();
    summary.churned = portfolio.members().stream().filter(Portfolio.Member::churned).count();
    portfolio.members().stream().filter(m -> !m.churned()).forEach(m -> summary.liveAccounts.add(m.account.getAccountId()));
    out.printf(Locale.ROOT, "  %,d signals stored; %,d outcomes (%,d churned in the past year)%n", summary.signals, summary.outcomes, summary.churned);

    step.lap("load");
    out.println("== 3. Scores");
    awaitScored(ackedAt);
    step.lap("scores caught up");

    out.println("== 4. A bad week for three healthy accounts: payments fail, champion and sponsor leave");
    List<HealthScore> healthy = scoring().listScores(ListScoresRequest.newBuilder().setScorecardId(scorecardId(Portfolio.Segment.ENTERPRISE))
        .setOrder(ScoreOrder.SCORE_ORDER_SCORE_DESC).setPageSize(3).build()).getScoresList();
    for (HealthScore h : healthy) {
      ingest(portfolio.downturn(h.getAccountId()));
    }
    for (HealthScore h : healthy) {
      awaitQuietly(Duration.ofSeconds(120), () -> score(h.getAccountId()).getScore() < h.getScore() - 1);
      HealthScore after = score(h.getAccountId());
      out.printf(Locale.ROOT, "  %s: %.1f %s -> %.1f %s%n", h.getAccountId(), h.getScore(), band(h.getBand()), after.getScore(), band(after.getBand()));
    }
    awaitQuietly(Duration.ofSeconds(60), () -> !webhook.deliveries().isEmpty());
    step.lap("bad week and alerts");

    out.println("== 5. Learning from the outcomes: a model from every feature and attribute, backtested, then served");
    try {
      learn(summary, now);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
        throw e;
      }
      out.printf("  not enough outcomes to learn from: %s%n", e.getStatus().getDescription());
    }
    step.lap("learn, backtest, activate, rescore");

    collect(summary, portfolio);
    printSummary(summary, portfolio);
    return summary;
  }

  /**
   * Learns a churn model from every feature, labelled metric and account attribute (no scorecard),
   * backtests it the honest way (retrained on the snapshots before a split half a year ago, tested
   * on the later ones, which it never saw) and serves it.
   */
  private void learn(Summary summary, Instant now) throws InterruptedException {
    Progress learning = Progress.stepsOnStderr(progressOut, "  learn, backtest, activate", 3);
    CalibrationReport model = whileTicking(learning, scoringFuture().calibrate(
        CalibrateRequest.newBuilder().setHorizonDays(HORIZON_DAYS).build())).getReport();
    learning.advance(1);
    Instant split = now.minus(Duration.ofDays(BACKTEST_SPLIT_DAYS_AGO));
    BacktestReport backtest = whileTicking(learning, scoringFuture().backtest(BacktestRequest.newBuilder().setModelId(model.getModelId())
        .setHorizonDays(HORIZON_DAYS).setSplitTime(Portfolio.ts(split)).build())).getReport();
    learning.advance(1);
    ModelInfo active = scoring().activateModel(ActivateModelRequest.newBuilder().setModelId(model.getModelId()).build()).getModel();
    learning.advance(1);
    learning.finish();
    summary.modelId = model.getModelId();
    summary.backtest = backtest;
    List<String> terms = model.getImportancesList().stream().limit(4).map(TermImportance::getTerm).toList();
    out.printf(Locale.ROOT, "  model %s (%s): %,d features, %,d samples, %,d churned; held-out AUC %.3f (plain logistic %.3f)%n",
        model.getModelId(), active.getState() == ModelState.MODEL_STATE_ACTIVE ? "active" : "not active", model.getFeaturesCount(),
        model.getSamples(), model.getPositives(), model.getAuc(), model.getLogisticAuc());
    out.printf("  what moves it most: %s%n", String.join(", ", terms));
    out.printf(Locale.ROOT, "  backtest, %s at %s: AUC %.3f, PR AUC %.3f, top decile lift %.1fx over %,d later samples%n",
        backtest.getMethod(), split.toString().substring(0, 10), backtest.getAuc(), backtest.getPrAuc(), backtest.getTopDecileLift(),
        backtest.getSamples());
    awaitRescore();
  }

  /**
   * Activation rescores every account in the background so that its churn probability is set;
   * follows that rescore (StartRescore returns the running one). Its batches ride out a short
   * signals outage themselves, so a rescore that still fails ends the demo.
   */
  private void awaitRescore() throws InterruptedException {
    Rescore r = scoring().startRescore(StartRescoreRequest.getDefaultInstance()).getRescore();
    Progress progress = Progress.onStderr(progressOut, "  accounts rescored with the model", r.getTotal());
    long done = 0;
    while (r.getState() == RescoreState.RESCORE_STATE_RUNNING) {
      Thread.sleep(250);
      r = scoring().getRescore(GetRescoreRequest.newBuilder().setRescoreId(r.getRescoreId()).build()).getRescore();
      progress.advance(r.getDone() - done);
      done = r.getDone();
    }
    progress.finish();
    if (r.getState() != RescoreState.RESCORE_STATE_DONE) {
      throw new IllegalStateException("rescore with the model " + r.getState() + ": " + r.getError());
    }
  }

  /** The segment's scorecard: a shipped template, adapted to what the segment's customers want. */
  static Scorecard scorecardFor(Portfolio.Segment s) {
    Scorecard.Builder b = switch (s) {
      case SMB -> ScorecardTemplates.byId("frequency-breadth-depth").orElseThrow().toBuilder()
          .setName("SMB self-serve adoption");
      case MID_MARKET -> withLoginsPerSeatSummed(ScorecardTemplates.byId("dear").orElseThrow().toBuilder())
          .setName("Mid-market team rollout");
      case ENTERPRISE -> ScorecardTemplates.byId("balanced").orElseThrow().toBuilder()
          .setName("Enterprise strategic value").setIsDefault(false);
    };
    return b.setScorecardId(scorecardId(s)).clearSegments().addSegments(s.id).setPriority(20).build();
  }

  /** The demo sends one logins signal per user and period carrying the count: read its sum, not its count. */
  private static Scorecard.Builder withLoginsPerSeatSummed(Scorecard.Builder b) {
    for (Component.Builder c : b.getComponentsBuilderList()) {
      for (Measure.Builder m : c.getMeasuresBuilderList()) {
        if (m.getFeature().equals("logins.count_30d")) {
          m.setFeature("logins.sum_30d").getLinearBuilder().setBest(40);
        }
      }
    }
    return b;
  }

  static String scorecardId(Portfolio.Segment s) {
    return s.id + "-health";
  }

  private void alertRule() {
    alerting().putChannel(PutChannelRequest.newBuilder().setChannel(Channel.newBuilder()
        .setChannelId("demo-webhook").setName("Demo webhook").setType(ChannelType.CHANNEL_TYPE_WEBHOOK)
        .setUrl(webhook.url()).setSecret(WEBHOOK_SECRET)).build());
    alerting().putRule(PutRuleRequest.newBuilder().setRule(Rule.newBuilder()
        .setRuleId(RULE_ID).setName("Healthy account turned")
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
  }

  /**
   * Sends every account's year in large batches; records when each account's last batch was
   * acknowledged, so that the scoring step can tell when its score has caught up.
   */
  private long loadSignals(Portfolio portfolio, Map<String, Long> ackedAt) throws InterruptedException {
    Progress progress = Progress.onStderr(progressOut, "  signals of accounts", portfolio.members().size());
    long accepted = 0;
    List<Signal> batch = new ArrayList<>(SIGNAL_BATCH + 2000);
    List<String> inBatch = new ArrayList<>();
    for (Portfolio.Member m : portfolio.members()) {
      batch.addAll(portfolio.signals(m));
      inBatch.add(m.account.getAccountId());
      if (batch.size() >= SIGNAL_BATCH) {
        accepted += ingest(batch);
        long at = System.currentTimeMillis();
        inBatch.forEach(id -> ackedAt.put(id, at));
        batch = new ArrayList<>(SIGNAL_BATCH + 2000);
        inBatch.clear();
      }
      progress.advance(1);
    }
    if (!batch.isEmpty()) {
      accepted += ingest(batch);
      long at = System.currentTimeMillis();
      inBatch.forEach(id -> ackedAt.put(id, at));
    }
    progress.finish();
    return accepted;
  }

  /**
   * Ingests a batch, waiting and retrying while signals-service pushes back (RESOURCE_EXHAUSTED).
   * Every attempt carries the time of the first, so a resend the dedup window could no longer
   * recognize is refused rather than counted twice.
   */
  private long ingest(List<Signal> batch) throws InterruptedException {
    IngestSignalsRequest request =
        IngestSignalsRequest.newBuilder()
            .addAllSignals(batch)
            .setFirstAttemptAt(Timestamps.fromMillis(System.currentTimeMillis()))
            .build();
    for (int attempt = 0; ; attempt++) {
      try {
        IngestSignalsResponse r = signals().ingestSignals(request);
        return r.getAccepted();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED || attempt > 100) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /**
   * Waits until the scores have caught up with the signals: an account counts once its score was
   * computed after its last batch was acknowledged. A score that did not change materially is not
   * stored again, so the wait also ends when no score has changed for three polls in a row.
   */
  private void awaitScored(Map<String, Long> ackedAt) throws InterruptedException {
    List<String> ids = new ArrayList<>(ackedAt.keySet());
    Progress progress = Progress.onStderr(progressOut, "  accounts scored", ids.size());
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    long caughtUp = 0;
    long previous = 0;
    int unchanged = 0;
    while (caughtUp < ids.size() && unchanged < 3 && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      long now = 0;
      long fingerprint = 0;
      for (int i = 0; i < ids.size(); i += SCORES_PER_CALL) {
        for (HealthScore h : scoring().batchGetScores(BatchGetScoresRequest.newBuilder().addAllAccountIds(ids.subList(i, Math.min(ids.size(), i + SCORES_PER_CALL))).build()).getScoresList()) {
          long computed = Timestamps.toMillis(h.getComputedAt());
          fingerprint = 31 * fingerprint + computed;
          if (computed >= ackedAt.get(h.getAccountId())) {
            now++;
          }
        }
      }
      unchanged = fingerprint == previous ? unchanged + 1 : 0;
      previous = fingerprint;
      progress.advance(now - caughtUp);
      caughtUp = now;
    }
    progress.finish();
  }

  private void collect(Summary summary, Portfolio portfolio) {
    Map<String, Account> byId = new HashMap<>();
    portfolio.members().forEach(m -> byId.put(m.account.getAccountId(), m.account));
    List<String> live = summary.liveAccounts;
    for (int i = 0; i < live.size(); i += SCORES_PER_CALL) {
      for (HealthScore s : scoring().batchGetScores(BatchGetScoresRequest.newBuilder().addAllAccountIds(live.subList(i, Math.min(live.size(), i + SCORES_PER_CALL))).build()).getScoresList()) {
        long[] bands = summary.bandsBySegment.computeIfAbsent(byId.get(s.getAccountId()).getSegment(), k -> new long[3]);
        bands[s.getBand() == Band.BAND_RED ? 0 : s.getBand() == Band.BAND_YELLOW ? 1 : 2]++;
      }
    }
    summary.topAtRisk.addAll(scoring().listScores(ListScoresRequest.newBuilder().setOrder(ScoreOrder.SCORE_ORDER_MRR_AT_RISK_DESC).setPageSize(10).build()).getScoresList());
    summary.alerts.addAll(alerting().listAlerts(ListAlertsRequest.newBuilder().setPageSize(100).build()).getAlertsList());
    ForecastRetentionResponse forecast = scoring().forecastRetention(ForecastRetentionRequest.newBuilder()
        .setPeriodDays(HORIZON_DAYS).setGrouping(ForecastGrouping.FORECAST_GROUPING_SEGMENT).build());
    summary.total = forecast.getTotal();
    summary.forecastMethod = forecast.getMethod();
  }

  private void printSummary(Summary s, Portfolio portfolio) {
    Map<String, Account> byId = new HashMap<>();
    portfolio.members().forEach(m -> byId.put(m.account.getAccountId(), m.account));
    out.println();
    out.println("== Summary");
    out.println("  accounts per band (live accounts):");
    long[] all = new long[3];
    s.bandsBySegment.forEach((segment, b) -> {
      out.printf(Locale.ROOT, "    %-11s %s %5d   %s %5d   %s %5d%n", segment, Terminal.band(Band.BAND_RED, colour), b[0],
          Terminal.band(Band.BAND_YELLOW, colour), b[1], Terminal.band(Band.BAND_GREEN, colour), b[2]);
      for (int i = 0; i < 3; i++) {
        all[i] += b[i];
      }
    });
    out.printf(Locale.ROOT, "    %-11s %s %5d   %s %5d   %s %5d%n", "all", Terminal.band(Band.BAND_RED, colour), all[0],
        Terminal.band(Band.BAND_YELLOW, colour), all[1], Terminal.band(Band.BAND_GREEN, colour), all[2]);
    out.println("  the ten accounts with most MRR at risk:");
    for (HealthScore h : s.topAtRisk) {
      Account a = byId.get(h.getAccountId());
      double churn = h.hasChurnProbability() ? h.getChurnProbability() : ScoreViews.bandChurnRate(h.getBand());
      out.printf(Locale.ROOT, "    %-9s %-11s %4.1f %-6s MRR %,7.0f  at risk %,7.0f  %s%n", h.getAccountId(), a.getSegment(), h.getScore(),
          Terminal.band(h.getBand(), colour), a.getMrr(), a.getMrr() * churn, String.join("; ", topDrivers(h)));
    }
    Map<String, Long> perRule = new TreeMap<>();
    s.alerts.forEach(a -> perRule.merge(a.getRuleId(), 1L, Long::sum));
    out.printf("  alerts raised: %d%s%n", s.alerts.size(), perRule.isEmpty() ? "" : " " + perRule);
    s.alerts.stream().limit(3).forEach(a -> out.printf("    %s %s: %s%n", a.getAccountId(), a.getRuleId(), a.getReason()));
    List<WebhookReceiver.Delivery> deliveries = webhook.deliveries();
    out.printf("  webhook deliveries: %d, %s%n", deliveries.size(),
        deliveries.stream().allMatch(WebhookReceiver.Delivery::signatureValid) ? "every signature valid" : "SOME SIGNATURES INVALID");
    if (!s.modelId.isEmpty()) {
      out.printf(Locale.ROOT, "  backtest AUC %.3f (model %s, %s, %,d samples)%n", s.backtest.getAuc(), s.modelId, s.backtest.getMethod(),
          s.backtest.getSamples());
    }
    out.printf("  time per step: %s%n", String.join(", ", s.stepSeconds.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + " s").toList()));
    out.printf(Locale.ROOT, "  NRR forecast, next 90 days: %.1f%% (P10 %.1f%% to P90 %.1f%%), GRR %.1f%% (P10 %.1f%% to P90 %.1f%%), revenue at risk %,.0f of MRR %,.0f; churn probabilities from %s%n",
        100 * s.total.getExpectedNrr(), 100 * s.total.getNrrP10(), 100 * s.total.getNrrP90(), 100 * s.total.getExpectedGrr(),
        100 * s.total.getGrrP10(), 100 * s.total.getGrrP90(), s.total.getRevenueAtRisk(), s.total.getStartingMrr(), s.forecastMethod);
  }

  /**
   * Up to two measures with data that pull the score down; for a green account with nothing
   * pulling it down (high MRR puts it among the most at risk), the one that holds it up most.
   */
  static List<String> topDrivers(HealthScore h) {
    List<String> out = new ArrayList<>();
    Driver holding = null;
    for (Driver d : h.getDriversList()) {
      boolean withData = !d.getMissing() && !d.getStale();
      if (withData && out.size() < 2 && d.getImpact() < -0.05) {
        out.add(d.getSentence());
      } else if (withData && holding == null && d.getImpact() > 0.05) {
        holding = d;
      }
    }
    if (out.isEmpty() && holding != null) {
      out.add(holding.getSentence());
    }
    return out;
  }

  /** Wall time between laps, for the summary: where a run spends its time. */
  private static final class Stopwatch {
    private final Map<String, Long> laps;
    private long last = System.nanoTime();

    Stopwatch(Map<String, Long> laps) {
      this.laps = laps;
    }

    void lap(String name) {
      long now = System.nanoTime();
      laps.put(name, TimeUnit.NANOSECONDS.toSeconds(now - last));
      last = now;
    }
  }

  private HealthScore score(String accountId) {
    return scoring().batchGetScores(BatchGetScoresRequest.newBuilder().addAccountIds(accountId).build()).getScores(0);
  }

  private String band(Band band) {
    return Terminal.band(band, colour);
  }

  /** Waits until {@code done} or the timeout; the story goes on either way and shows what happened. */
  private static void awaitQuietly(Duration timeout, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
  }

  // One local user on a possibly busy machine: waiting a while beats failing the story.
  private SignalServiceBlockingStub signals() {
    return SignalServiceGrpc.newBlockingStub(signalsChannel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private ScoringServiceBlockingStub scoring() {
    return ScoringServiceGrpc.newBlockingStub(scoringChannel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private ScoringServiceFutureStub scoringFuture() {
    return ScoringServiceGrpc.newFutureStub(scoringChannel).withDeadlineAfter(30, TimeUnit.MINUTES);
  }

  /** The call's result; meanwhile the progress line shows the step is still running. */
  private static <T> T whileTicking(Progress progress, Future<T> call) throws InterruptedException {
    while (true) {
      try {
        return call.get(500, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        progress.tick();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      }
    }
  }

  private AlertingServiceBlockingStub alerting() {
    return AlertingServiceGrpc.newBlockingStub(alertingChannel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
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
