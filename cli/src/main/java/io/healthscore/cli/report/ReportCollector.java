package io.healthscore.cli.report;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.cli.Services;
import io.healthscore.cli.output.Progress;
import io.healthscore.scoring.scoring.ScoreViews;
import io.healthscore.v1.Account;
import io.healthscore.v1.BacktestReport;
import io.healthscore.v1.BacktestRequest;
import io.healthscore.v1.Band;
import io.healthscore.v1.CalibrationBucket;
import io.healthscore.v1.Driver;
import io.healthscore.v1.ForecastGrouping;
import io.healthscore.v1.ForecastRetentionRequest;
import io.healthscore.v1.ForecastRetentionResponse;
import io.healthscore.v1.GetRuleQualityRequest;
import io.healthscore.v1.GetScoreHistoryRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.ListAccountsRequest;
import io.healthscore.v1.ListAccountsResponse;
import io.healthscore.v1.ListModelsRequest;
import io.healthscore.v1.ListScorecardsRequest;
import io.healthscore.v1.ListScoresRequest;
import io.healthscore.v1.ListScoresResponse;
import io.healthscore.v1.ModelInfo;
import io.healthscore.v1.ModelState;
import io.healthscore.v1.RetentionForecast;
import io.healthscore.v1.RuleQuality;
import io.healthscore.v1.ScoreOrder;
import io.healthscore.v1.ScorePoint;
import io.healthscore.v1.Scorecard;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Reads what the report shows from the three services. */
public final class ReportCollector {
  private static final int WEEKS = 26;
  private static final int TOP_AT_RISK = 15;
  private static final int HORIZON_DAYS = 90;
  /** Under a served learned model every score carries all its terms as drivers: small pages. */
  private static final int SCORES_PER_PAGE = 100;

  private final Services services;
  private final java.io.PrintWriter err;
  private final int folds;

  /** {@code folds} above 0: the learned model's backtest retrains it on that many folds. */
  public ReportCollector(Services services, java.io.PrintWriter err, int folds) {
    this.services = services;
    this.err = err;
    this.folds = folds;
  }

  public ReportData collect(Instant now) {
    ReportData d = new ReportData();
    d.generatedAt = Timestamps.toString(Timestamps.fromMillis(now.toEpochMilli()));
    Map<String, Account> accounts = accounts();
    d.accounts = accounts.size();
    List<HealthScore> scores = scores(ScoreOrder.SCORE_ORDER_SCORE_ASC, Integer.MAX_VALUE);
    distribution(d, scores, accounts);
    bandsOverTime(d, accounts, now);
    backtest(d);
    forecast(d);
    rules(d);
    atRisk(d, accounts);
    return d;
  }

  private Map<String, Account> accounts() {
    Map<String, Account> out = new HashMap<>();
    String token = "";
    do {
      ListAccountsResponse page = services.signals().listAccounts(ListAccountsRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
      page.getAccountsList().forEach(a -> out.put(a.getAccountId(), a));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return out;
  }

  private List<HealthScore> scores(ScoreOrder order, int limit) {
    List<HealthScore> out = new ArrayList<>();
    String token = "";
    do {
      ListScoresResponse page = services.scoring().listScores(
          ListScoresRequest.newBuilder().setOrder(order).setPageSize((int) Math.min(SCORES_PER_PAGE, limit)).setPageToken(token).build());
      for (HealthScore s : page.getScoresList()) {
        if (out.size() < limit) {
          out.add(s);
        }
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty() && out.size() < limit);
    return out;
  }

  private static void distribution(ReportData d, List<HealthScore> scores, Map<String, Account> accounts) {
    Map<String, long[]> bySegment = new TreeMap<>();
    for (HealthScore s : scores) {
      if (s.getNoData()) {
        continue;
      }
      Account a = accounts.get(s.getAccountId());
      String segment = a == null || a.getSegment().isEmpty() ? "(none)" : a.getSegment();
      int bucket = Math.max(0, Math.min(9, (int) Math.floor(s.getScore()) - 1));
      bySegment.computeIfAbsent(segment, k -> new long[10])[bucket]++;
    }
    d.distribution.putAll(bySegment);
  }

  /** Each account's band at the end of each of the last weeks, from its score history. */
  private void bandsOverTime(ReportData d, Map<String, Account> accounts, Instant now) {
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    long[][] counts = new long[WEEKS][3];
    long[] weekEnd = new long[WEEKS];
    for (int w = 0; w < WEEKS; w++) {
      LocalDate day = today.minusWeeks(WEEKS - 1 - w);
      d.weeks.add(day.toString());
      weekEnd[w] = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
    long start = today.minusWeeks(WEEKS).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    Progress progress = Progress.onStderr(err, "report: score history", accounts.size());
    for (String id : accounts.keySet()) {
      List<ScorePoint> points;
      try {
        points = services.scoring().getScoreHistory(GetScoreHistoryRequest.newBuilder().setAccountId(id)
            .setStartTime(Timestamps.fromMillis(0)).setPageSize(1000).build()).getPointsList();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
        points = List.of();
      }
      int p = 0;
      Band band = Band.BAND_UNSPECIFIED;
      for (int w = 0; w < WEEKS; w++) {
        while (p < points.size() && Timestamps.toMillis(points.get(p).getComputedAt()) < weekEnd[w]) {
          band = points.get(p).getBand();
          p++;
        }
        if (weekEnd[w] > start && band != Band.BAND_UNSPECIFIED) {
          counts[w][bandIndex(band)]++;
        }
      }
      progress.advance(1);
    }
    progress.finish();
    for (long[] c : counts) {
      d.red.add(c[0]);
      d.yellow.add(c[1]);
      d.green.add(c[2]);
    }
  }

  /**
   * Backtests the served learned model (else the served model of a scorecard, else the default
   * scorecard): its ROC points, calibration and churn per band. With folds, a learned model is
   * retrained fold by fold and tested on accounts it never saw; without, it is tested as stored.
   */
  private void backtest(ReportData d) {
    BacktestRequest.Builder q = BacktestRequest.newBuilder().setHorizonDays(HORIZON_DAYS);
    Optional<ModelInfo> served = services.scoring().listModels(ListModelsRequest.getDefaultInstance()).getModelsList().stream()
        .filter(m -> m.getState() == ModelState.MODEL_STATE_ACTIVE)
        .min(Comparator.comparing(m -> !m.getScorecardId().isEmpty()));
    if (served.isPresent()) {
      q.setModelId(served.get().getModelId());
      if (folds > 0 && served.get().getScorecardId().isEmpty()) {
        q.setFolds(folds);
      }
    } else {
      Optional<String> card = services.scoring().listScorecards(ListScorecardsRequest.getDefaultInstance()).getScorecardsList().stream()
          .filter(Scorecard::getIsDefault).map(Scorecard::getScorecardId).findFirst();
      if (card.isEmpty()) {
        return;
      }
      q.setScorecardId(card.get());
    }
    BacktestReport r;
    try {
      r = services.scoringLong().backtest(q.build()).getReport();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION || e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return;
      }
      throw e;
    }
    d.modelLabel = (r.getModelId().isEmpty() ? "scorecard " + r.getScorecardId() : "model " + r.getModelId())
        + (r.getMethod().isEmpty() ? "" : ", " + r.getMethod());
    d.auc = r.getAuc();
    d.churnRateByBand = new double[] {r.getRedChurnRate(), r.getYellowChurnRate(), r.getGreenChurnRate()};
    for (CalibrationBucket b : r.getBucketsList()) {
      d.calibrationLabels.add(String.format(java.util.Locale.ROOT, "%.0f-%.0f", b.getScoreFrom(), b.getScoreTo()));
      d.calibrationPredicted.add(b.getPredicted());
      d.calibrationObserved.add(b.getChurnRate());
    }
    if (r.getRocCurveCount() > 0) {
      r.getRocCurveList().forEach(p -> d.roc.add(new double[] {p.getFalsePositiveRate(), p.getTruePositiveRate()}));
    } else {
      d.roc.addAll(Roc.fromBuckets(r.getBucketsList()));
    }
  }

  /** Revenue at risk and churned MRR per segment, with the P10 to P90 range of the simulated outcomes. */
  private void forecast(ReportData d) {
    ForecastRetentionResponse f = services.scoringLong().forecastRetention(
        ForecastRetentionRequest.newBuilder().setPeriodDays(HORIZON_DAYS).setGrouping(ForecastGrouping.FORECAST_GROUPING_SEGMENT).build());
    d.forecastMethod = f.getMethod();
    d.expectedNrr = f.getTotal().getExpectedNrr();
    d.nrrP10 = f.getTotal().getNrrP10();
    d.nrrP90 = f.getTotal().getNrrP90();
    d.expectedGrr = f.getTotal().getExpectedGrr();
    for (RetentionForecast g : f.getGroupsList()) {
      d.forecastSegments.add(g.getGroup());
      d.revenueAtRisk.add(g.getRevenueAtRisk());
      d.churnMrr.add(g.getExpectedChurnMrr());
      d.churnMrrP10.add(g.getChurnMrrP10());
      d.churnMrrP90.add(g.getChurnMrrP90());
    }
  }

  private void rules(ReportData d) {
    for (RuleQuality q : services.alerting().getRuleQuality(GetRuleQualityRequest.getDefaultInstance()).getRulesList()) {
      d.rules.add(q.getRuleId());
      d.ruleAlerts.add(q.getAlerts());
      d.rulePrecision.add(q.hasPrecision() ? q.getPrecision() : null);
      d.ruleLeadDays.add(q.hasMeanLeadTimeDays() ? q.getMeanLeadTimeDays() : null);
    }
  }

  private void atRisk(ReportData d, Map<String, Account> accounts) {
    for (HealthScore s : scores(ScoreOrder.SCORE_ORDER_MRR_AT_RISK_DESC, TOP_AT_RISK)) {
      Account a = accounts.getOrDefault(s.getAccountId(), Account.getDefaultInstance());
      ReportData.AtRisk r = new ReportData.AtRisk();
      r.accountId = s.getAccountId();
      r.segment = a.getSegment();
      r.score = s.getScore();
      r.band = bandName(s.getBand());
      r.mrr = a.getMrr();
      r.mrrAtRisk = a.getMrr() * (s.hasChurnProbability() ? s.getChurnProbability() : ScoreViews.bandChurnRate(s.getBand()));
      for (Driver dr : s.getDriversList()) {
        if (r.drivers.size() < 3 && !dr.getMissing() && !dr.getStale() && dr.getImpact() < 0) {
          r.drivers.add(dr.getSentence());
        }
      }
      d.atRisk.add(r);
    }
  }

  private static int bandIndex(Band b) {
    return switch (b) {
      case BAND_RED -> 0;
      case BAND_YELLOW -> 1;
      default -> 2;
    };
  }

  static String bandName(Band b) {
    return switch (b) {
      case BAND_RED -> "red";
      case BAND_YELLOW -> "yellow";
      case BAND_GREEN -> "green";
      default -> "-";
    };
  }
}
