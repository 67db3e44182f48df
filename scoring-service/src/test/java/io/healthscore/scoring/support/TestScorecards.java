package io.healthscore.scoring.support;

import io.healthscore.v1.BandCutoffs;
import io.healthscore.v1.Component;
import io.healthscore.v1.LinearMapping;
import io.healthscore.v1.Measure;
import io.healthscore.v1.ParentRollup;
import io.healthscore.v1.Scorecard;

/** Small scorecards whose scores are easy to predict. */
public final class TestScorecards {
  public static final String FEATURE = "logins.sum_30d";

  private TestScorecards() {}

  /**
   * One measure: logins over 30 days, 0 points at 0 and 10 at 100, so the score follows the
   * feature linearly. Default scorecard; parents take their worst child's score.
   */
  public static Scorecard logins(String id) {
    return Scorecard.newBuilder()
        .setScorecardId(id)
        .setName("Logins")
        .setIsDefault(true)
        .setParentRollup(ParentRollup.PARENT_ROLLUP_WORST_CHILD)
        .setBands(BandCutoffs.newBuilder().setYellowFrom(4).setGreenFrom(7).setHysteresis(0.3))
        .addComponents(
            Component.newBuilder()
                .setComponentId("usage")
                .setName("Usage")
                .setWeight(1)
                .addMeasures(
                    Measure.newBuilder()
                        .setMeasureId("logins")
                        .setName("Logins in 30 days")
                        .setFeature(FEATURE)
                        .setWeight(1)
                        .setLinear(LinearMapping.newBuilder().setWorst(0).setBest(100))))
        .build();
  }
}
