package io.healthscore.cli.report;

import io.healthscore.v1.RetentionForecast;

/**
 * A 90% interval around a group's forecast. Each account churns or not, a Bernoulli draw with its
 * probability, so the churned MRR has variance Σ mrr² p (1 − p); the forecast gives group totals
 * only, so its accounts are taken as equal in MRR: σ² = n × (MRR/n)² × p̄ (1 − p̄), with p̄ the
 * group's expected churned share of MRR. The interval is the expected value ± 1.645 σ.
 */
public final class ForecastInterval {
  private static final double Z90 = 1.645;

  private ForecastInterval() {}

  /** σ of the churned MRR. */
  static double churnSigma(RetentionForecast g) {
    double mrr = g.getStartingMrr();
    long n = g.getAccounts();
    if (n == 0 || mrr <= 0) {
      return 0;
    }
    double p = Math.min(1, Math.max(0, g.getExpectedChurnMrr() / mrr));
    double perAccount = mrr / n;
    return Math.sqrt(n * perAccount * perAccount * p * (1 - p));
  }

  /** Low and high revenue at risk, clamped to 0 and the group's MRR. */
  public static double[] revenueAtRisk(RetentionForecast g) {
    double risk = g.getRevenueAtRisk();
    double sigma = churnSigma(g);
    return new double[] {Math.max(0, risk - Z90 * sigma), Math.min(Math.max(risk, g.getStartingMrr()), risk + Z90 * sigma)};
  }

  /** Low and high NRR: more churn lowers it one for one. */
  public static double[] nrr(RetentionForecast g) {
    double mrr = g.getStartingMrr();
    if (mrr <= 0) {
      return new double[] {g.getExpectedNrr(), g.getExpectedNrr()};
    }
    double spread = Z90 * churnSigma(g) / mrr;
    return new double[] {g.getExpectedNrr() - spread, g.getExpectedNrr() + spread};
  }
}
