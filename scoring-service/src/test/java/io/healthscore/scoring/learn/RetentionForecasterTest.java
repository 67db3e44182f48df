package io.healthscore.scoring.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.v1.Band;
import io.healthscore.v1.ForecastGrouping;
import io.healthscore.v1.ForecastRetentionResponse;
import io.healthscore.v1.RetentionForecast;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionForecasterTest {
  private static final List<ForecastInput> ACCOUNTS =
      List.of(
          new ForecastInput("a", "smb", "ann", Band.BAND_RED, 1000, 0.4, 0.0, 0.1),
          new ForecastInput("b", "smb", "bob", Band.BAND_GREEN, 2000, 0.05, 0.2, 0.0),
          new ForecastInput("c", "ent", "ann", Band.BAND_YELLOW, 1000, 0.1, 0.1, 0.05));

  /**
   * Training rows are snapshots ahead of a renewal, so the model's probability is the risk at the
   * coming renewal (its base rate is the renewal churn rate); the live portfolio renews across the
   * year, so its churn over 90 days is far lower. Read through the renewal dates, the forecast
   * matches what then happens; spread over time as a 90-day probability it would not.
   */
  @Test
  void aRenewalRiskForecastsOnlyTheAccountsThatRenewInThePeriod() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    long now = 1_800_000_000_000L;
    long day = 86_400_000L;
    List<ForecastInput> inputs = new java.util.ArrayList<>();
    double mrr = 0;
    double churnedMrr = 0;
    double renewalRisk = 0;
    int accounts = 4000;
    for (int i = 0; i < accounts; i++) {
      double risk = Math.pow(random.nextDouble(), 3); // renewal churn rate about 1/4
      long nextRenewal = now + random.nextLong(365) * day;
      double accountMrr = 500 + random.nextInt(1000);
      double p = RetentionForecaster.periodProbability(risk, 90, 90, now, nextRenewal);
      inputs.add(new ForecastInput("a" + i, "smb", "", Band.BAND_GREEN, accountMrr, p, 0, 0));
      mrr += accountMrr;
      renewalRisk += risk;
      if (nextRenewal < now + 90 * day && random.nextDouble() < risk) {
        churnedMrr += accountMrr;
      }
    }
    RetentionForecast t = RetentionForecaster.forecast(inputs, 90, ForecastGrouping.FORECAST_GROUPING_UNSPECIFIED).getTotal();
    double actualGrr = 1 - churnedMrr / mrr;
    assertTrue(renewalRisk / accounts > 0.2, "training base rate " + renewalRisk / accounts);
    assertTrue(actualGrr > 0.9, "actual GRR " + actualGrr);
    assertEquals(actualGrr, t.getExpectedGrr(), 0.015);
    assertTrue(t.getGrrP10() <= actualGrr && actualGrr <= t.getGrrP90(), t.toString() + " actual " + actualGrr);
  }

  @Test
  void aRenewalRiskWithoutARenewalDateIsSpreadOverTime() {
    assertEquals(RetentionForecaster.scale(0.3, 90, 30), RetentionForecaster.periodProbability(0.3, 90, 30, 0, -1), 1e-12);
    assertEquals(0.3, RetentionForecaster.periodProbability(0.3, 90, 30, 0, 29 * 86_400_000L), 1e-12);
    assertEquals(0, RetentionForecaster.periodProbability(0.3, 90, 30, 0, 30 * 86_400_000L), 1e-12);
  }

  @Test
  void handComputedTotals() {
    RetentionForecast t = RetentionForecaster.forecast(ACCOUNTS, 90, ForecastGrouping.FORECAST_GROUPING_UNSPECIFIED).getTotal();
    // churn: 0.4*1000 + 0.05*2000 + 0.1*1000 = 600
    // contraction: 0.6*0.1*1000 + 0 + 0.9*0.05*1000 = 60 + 45 = 105
    // expansion: 0 + 0.95*0.2*2000 + 0.9*0.1*1000 = 380 + 90 = 470
    assertEquals("all", t.getGroup());
    assertEquals(3, t.getAccounts());
    assertEquals(4000, t.getStartingMrr(), 1e-9);
    assertEquals(600, t.getExpectedChurnMrr(), 1e-9);
    assertEquals(105, t.getExpectedContractionMrr(), 1e-9);
    assertEquals(470, t.getExpectedExpansionMrr(), 1e-9);
    assertEquals(1 - 705 / 4000.0, t.getExpectedGrr(), 1e-12);
    assertEquals(1 - 705 / 4000.0 + 470 / 4000.0, t.getExpectedNrr(), 1e-12);
    // Red at full MRR, the rest weighted by probability: 1000 + 100 + 100.
    assertEquals(1200, t.getRevenueAtRisk(), 1e-9);
  }

  @Test
  void groupsBySegmentBandAndOwner() {
    ForecastRetentionResponse bySegment = RetentionForecaster.forecast(ACCOUNTS, 90, ForecastGrouping.FORECAST_GROUPING_SEGMENT);
    assertEquals(List.of("ent", "smb"), bySegment.getGroupsList().stream().map(RetentionForecast::getGroup).toList());
    assertEquals(3000, bySegment.getGroups(1).getStartingMrr(), 1e-9);
    assertEquals(500, bySegment.getGroups(1).getExpectedChurnMrr(), 1e-9);
    ForecastRetentionResponse byBand = RetentionForecaster.forecast(ACCOUNTS, 90, ForecastGrouping.FORECAST_GROUPING_BAND);
    assertEquals(List.of("green", "red", "yellow"), byBand.getGroupsList().stream().map(RetentionForecast::getGroup).toList());
    ForecastRetentionResponse byOwner = RetentionForecaster.forecast(ACCOUNTS, 90, ForecastGrouping.FORECAST_GROUPING_OWNER);
    assertEquals(2, byOwner.getGroups(0).getAccounts());
  }

  @Test
  void bandProbabilitiesScaleWithThePeriod() {
    assertEquals(0.25, RetentionForecaster.bandProbability(Band.BAND_RED, 90), 1e-12);
    assertEquals(1 - Math.pow(0.75, 4), RetentionForecaster.bandProbability(Band.BAND_RED, 360), 1e-12);
    assertEquals(1 - Math.sqrt(0.97), RetentionForecaster.bandProbability(Band.BAND_GREEN, 45), 1e-12);
    assertEquals(0.10, RetentionForecaster.bandProbability(Band.BAND_UNSPECIFIED, 90), 1e-12);
    assertEquals(0.19, RetentionForecaster.scale(0.1, 30, 60), 1e-12);
  }

  @Test
  void simulationBracketsTheExpectationAndRanksRevenueAtRisk() {
    List<ForecastInput> many = new java.util.ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(new ForecastInput("a" + i, "smb", "ann", Band.BAND_YELLOW, 100 + i, 0.2, 0.05, 0.02));
    }
    ForecastRetentionResponse r = RetentionForecaster.forecast(many, 90, ForecastGrouping.FORECAST_GROUPING_UNSPECIFIED, 3);
    RetentionForecast t = r.getTotal();
    assertTrue(t.getGrrP10() < t.getExpectedGrr() && t.getExpectedGrr() < t.getGrrP90(), t.toString());
    assertTrue(t.getNrrP10() < t.getExpectedNrr() && t.getExpectedNrr() < t.getNrrP90());
    assertTrue(t.getChurnMrrP10() < t.getExpectedChurnMrr() && t.getExpectedChurnMrr() < t.getChurnMrrP90());
    // binomial spread of 200 accounts at p = 0.2: about ±1.28 × sqrt(200 × 0.16) ≈ ±7 churns
    double perAccount = t.getStartingMrr() / 200;
    assertEquals(2 * 1.28 * Math.sqrt(32) * perAccount, t.getChurnMrrP90() - t.getChurnMrrP10(), 0.35 * 14.5 * perAccount);
    assertEquals(t, RetentionForecaster.forecast(many, 90, ForecastGrouping.FORECAST_GROUPING_UNSPECIFIED, 3).getTotal());
    assertEquals(List.of("a199", "a198", "a197"), r.getTopAtRiskList().stream().map(a -> a.getAccountId()).toList());
    ForecastRetentionResponse few = RetentionForecaster.forecast(ACCOUNTS, 90, ForecastGrouping.FORECAST_GROUPING_UNSPECIFIED, 10);
    // red "a" at its full 1000; "b" and "c" at 100 each, in id order
    assertEquals(List.of("a", "b", "c"), few.getTopAtRiskList().stream().map(a -> a.getAccountId()).toList());
    assertEquals(1000, few.getTopAtRisk(0).getRevenueAtRisk(), 1e-9);
  }

  @Test
  void noMrrMeansFullRetention() {
    RetentionForecast t = RetentionForecaster.forecast(List.of(), 90, ForecastGrouping.FORECAST_GROUPING_UNSPECIFIED).getTotal();
    assertEquals(1, t.getExpectedGrr(), 1e-12);
    assertEquals(1, t.getExpectedNrr(), 1e-12);
  }
}
