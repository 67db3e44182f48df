package io.healthscore.cli.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the report shows, gathered from the services; plain fields so that it serialises to
 * the JSON the page's script reads. A section without data (no model, no rules) stays empty and the
 * page says so instead of drawing an empty chart.
 */
public final class ReportData {
  public String generatedAt;
  public long accounts;

  /** Portfolio by band over time: one label per week, accounts per band on that day. */
  public List<String> weeks = new ArrayList<>();
  public List<Long> red = new ArrayList<>();
  public List<Long> yellow = new ArrayList<>();
  public List<Long> green = new ArrayList<>();

  /** Accounts per whole score 1..10, per segment. */
  public Map<String, long[]> distribution = new LinkedHashMap<>();

  /** What the backtest of the active model (or the default scorecard) says. */
  public String modelLabel = "";
  public Double auc;
  /** ROC points: false positive rate, true positive rate. */
  public List<double[]> roc = new ArrayList<>();
  /** Calibration: predicted, observed churn per score bucket, with the bucket's label and samples. */
  public List<String> calibrationLabels = new ArrayList<>();
  public List<Double> calibrationPredicted = new ArrayList<>();
  public List<Double> calibrationObserved = new ArrayList<>();
  public double[] churnRateByBand = new double[3];

  /** Per segment: revenue at risk, and expected churned MRR with its P10 and P90 over simulated outcomes. */
  public List<String> forecastSegments = new ArrayList<>();
  public List<Double> revenueAtRisk = new ArrayList<>();
  public List<Double> churnMrr = new ArrayList<>();
  public List<Double> churnMrrP10 = new ArrayList<>();
  public List<Double> churnMrrP90 = new ArrayList<>();
  public String forecastMethod = "";
  public Double expectedNrr;
  public Double nrrP10;
  public Double nrrP90;
  public Double expectedGrr;

  /** Per rule: precision (share of its alerts followed by churn) and mean lead time in days. */
  public List<String> rules = new ArrayList<>();
  public List<Double> rulePrecision = new ArrayList<>();
  public List<Double> ruleLeadDays = new ArrayList<>();
  public List<Long> ruleAlerts = new ArrayList<>();

  /** Top accounts by MRR at risk. */
  public List<AtRisk> atRisk = new ArrayList<>();

  /** One at-risk account's row. */
  public static final class AtRisk {
    public String accountId;
    public String segment;
    public double score;
    public String band;
    public double mrr;
    public double mrrAtRisk;
    public List<String> drivers = new ArrayList<>();
  }
}
