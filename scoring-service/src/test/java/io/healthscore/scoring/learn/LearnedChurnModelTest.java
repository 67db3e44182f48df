package io.healthscore.scoring.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.Bands;
import io.healthscore.scoring.learn.ebm.EbmModel;
import io.healthscore.scoring.learn.ebm.EbmModels;
import io.healthscore.scoring.learn.ebm.FeatureBins;
import io.healthscore.v1.Band;
import io.healthscore.v1.BandCutoffs;
import io.healthscore.v1.ChurnDriver;
import io.healthscore.v1.Driver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A learned score's drivers read the way a CSM expects, even where the probability saturates: a
 * model whose eight risk terms each add one log-odds point takes a bad account to p ≈ 0.998, where
 * taking any one term away barely moves the score (the measure that used to make its drivers
 * vanish).
 */
class LearnedChurnModelTest {
  private static final BandCutoffs CARD = BandCutoffs.getDefaultInstance();
  private static final int RISKS = 8;
  private static final double INTERCEPT = Math.log(0.15 / 0.85);

  /** Risk features r0..r7 (below 1: +1 log-odds, else -0.5), nps (missing: +1.2), plan (annual: -0.5). */
  private static LearnedChurnModel model() {
    FeatureBins[] features = new FeatureBins[RISKS + 2];
    double[][] shapes = new double[RISKS + 2][];
    for (int i = 0; i < RISKS; i++) {
      features[i] = FeatureBins.ofCuts("risk_" + i, new double[] {1});
      shapes[i] = new double[] {0, 1.0, -0.5};
    }
    features[RISKS] = FeatureBins.ofCuts("survey.nps", new double[] {5});
    shapes[RISKS] = new double[] {1.2, 0.4, -0.3};
    features[RISKS + 1] = FeatureBins.ofCategories("account.plan", new String[] {"annual", "monthly"});
    shapes[RISKS + 1] = new double[] {0, 0, -0.5, 0.3};
    EbmModel ebm = EbmModels.mainTerms(features, shapes, INTERCEPT);
    return new LearnedChurnModel("m", 90, Set.of(), ebm, 0, new ProbabilityBands(0.10, 0.40));
  }

  private static AccountSnapshot account(double riskValue, Double nps, String plan) {
    Map<String, Double> numbers = new HashMap<>();
    for (int i = 0; i < RISKS; i++) {
      numbers.put("risk_" + i, riskValue);
    }
    if (nps != null) {
      numbers.put("survey.nps", nps);
    }
    return new AccountSnapshot("a", "smb", "adoption", "", "", 100, numbers, Map.of("account.plan", plan));
  }

  @Test
  void aSaturatedRedAccountLeadsWithWhatPullsItDownAndEveryRiskTermKeepsItsShare() {
    LearnedChurnModel model = model();
    int[] bins = model.bins(account(0, null, "annual"));
    double p = model.ebm().probability(bins);
    assertTrue(p > 0.99, "saturated: " + p);
    double score = model.score(p, CARD);
    assertEquals(Band.BAND_RED, Bands.of(score, CARD));

    List<Driver> drivers = model.scoreDrivers(bins, CARD, Band.BAND_RED);
    // the eight risk terms first, each its share of the way down (about -0.6 of a score point),
    // not the ~0.015 that removing one of them would change at p ≈ 0.998
    for (int i = 0; i < RISKS; i++) {
      Driver d = drivers.get(i);
      assertTrue(d.getFeature().startsWith("risk_"), i + ": " + d);
      assertFalse(d.getMissing());
      assertTrue(d.getImpact() < -0.5, d.toString());
      assertTrue(d.getSentence().startsWith(String.format(java.util.Locale.ROOT, "%+.1f: risk ", d.getImpact())), d.getSentence());
    }
    // then what holds it up (the annual plan), then missing data, said as missing
    assertEquals("account.plan", drivers.get(RISKS).getFeature());
    assertTrue(drivers.get(RISKS).getImpact() > 0);
    Driver nps = drivers.get(RISKS + 1);
    assertTrue(nps.getMissing());
    assertTrue(nps.getSentence().startsWith("survey.nps has no data"), nps.getSentence());
    // the shares add up to the distance from the intercept alone
    double sum = drivers.stream().mapToDouble(Driver::getImpact).sum();
    double alone = model.score(1 / (1 + Math.exp(-INTERCEPT)), CARD);
    assertEquals(score - alone, sum, 1e-9);
  }

  @Test
  void aGreenAccountLeadsWithWhatHoldsItUp() {
    LearnedChurnModel model = model();
    int[] bins = model.bins(account(2, 9.0, "monthly"));
    double score = model.score(model.ebm().probability(bins), CARD);
    assertEquals(Band.BAND_GREEN, Bands.of(score, CARD));
    List<Driver> drivers = model.scoreDrivers(bins, CARD, Band.BAND_GREEN);
    assertEquals(LearnedChurnModel.MAX_SCORE_DRIVERS, drivers.size());
    for (int i = 0; i < RISKS; i++) {
      assertTrue(drivers.get(i).getImpact() > 0, drivers.get(i).toString());
    }
    assertTrue(drivers.get(RISKS).getImpact() > 0, "nps 9 holds it up too: " + drivers.get(RISKS));
    assertEquals("account.plan", drivers.get(RISKS + 1).getFeature());
    assertTrue(drivers.get(RISKS + 1).getImpact() < 0, "monthly pulls it down, last");
  }

  @Test
  void anAccountWhoseTermsCancelOutStillShowsThemAtTheLocalSlope() {
    LearnedChurnModel model = model();
    Map<String, Double> numbers = new HashMap<>();
    for (int i = 0; i < 6; i++) {
      numbers.put("risk_" + i, i < 2 ? 0.0 : 2.0); // +1, +1, then four at -0.5
    }
    numbers.put("survey.nps", 9.0); // -0.3, against the monthly plan's +0.3
    AccountSnapshot s = new AccountSnapshot("a", "smb", "", "", "", 1, numbers, Map.of("account.plan", "monthly"));
    int[] bins = model.bins(s);
    assertEquals(INTERCEPT, model.ebm().logit(bins), 1e-12);
    List<Driver> drivers = model.scoreDrivers(bins, CARD, Band.BAND_YELLOW);
    // at p = 0.15 the score falls 10 per unit of probability, and p by p(1 − p) per log-odds point
    double slope = -10 * 0.15 * 0.85;
    assertEquals("risk_0", drivers.get(0).getFeature());
    assertEquals(slope, drivers.get(0).getImpact(), 1e-4);
    assertTrue(drivers.get(2).getImpact() < 0, "what pulls a yellow account down comes first: " + drivers);
    assertEquals(-0.5 * slope, drivers.stream().filter(d -> d.getFeature().equals("risk_5")).findFirst().orElseThrow().getImpact(), 1e-4);
    assertEquals(0, drivers.stream().mapToDouble(Driver::getImpact).sum(), 1e-6);
  }

  @Test
  void churnDriversSplitTheProbabilityDistanceByLogOddsLargestFirst() {
    LearnedChurnModel model = model();
    AccountSnapshot s = account(0, null, "annual");
    List<ChurnDriver> drivers = model.drivers(s);
    double p = model.churnProbability(s);
    double alone = 1 / (1 + Math.exp(-INTERCEPT));
    assertEquals(100 * (p - alone), drivers.stream().mapToDouble(ChurnDriver::getPoints).sum(), 1e-9);
    assertEquals("survey.nps", drivers.get(0).getTerm(), "the largest log-odds term first, missing or not");
    for (int i = 1; i < drivers.size(); i++) {
      assertTrue(Math.abs(drivers.get(i - 1).getLogit()) >= Math.abs(drivers.get(i).getLogit()));
    }
    ChurnDriver risk = drivers.get(1);
    assertTrue(risk.getPoints() > 5, "a risk term's share of the ~83 points: " + risk);
    assertEquals(risk.getLogit() / drivers.get(0).getLogit(), risk.getPoints() / drivers.get(0).getPoints(), 1e-9);
  }
}
