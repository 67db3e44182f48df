package io.healthscore.scoring.testing;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ScoringContext;
import io.healthscore.scoring.engine.SegmentDistributions;
import io.healthscore.v1.BooleanMapping;
import io.healthscore.v1.Component;
import io.healthscore.v1.Measure;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.Threshold;
import io.healthscore.v1.ThresholdMapping;
import java.util.HashMap;
import java.util.Map;

/** Small builders for scorecards and accounts in tests. */
public final class TestCards {
  private TestCards() {}

  public static Measure.Builder measure(String id, String feature) {
    return Measure.newBuilder().setMeasureId(id).setName(id).setFeature(feature).setWeight(1);
  }

  public static Measure.Builder linear(String id, String feature, double worst, double best) {
    return measure(id, feature).setLinear(io.healthscore.v1.LinearMapping.newBuilder().setWorst(worst).setBest(best));
  }

  public static Measure.Builder bool(String id, String feature) {
    return measure(id, feature).setBoolean(BooleanMapping.newBuilder().setTruePoints(10).setFalsePoints(0));
  }

  /** Thresholds given as at, points, at, points, ... */
  public static ThresholdMapping thresholds(double below, double... atPoints) {
    ThresholdMapping.Builder t = ThresholdMapping.newBuilder().setBelowPoints(below);
    for (int i = 0; i < atPoints.length; i += 2) {
      t.addThresholds(Threshold.newBuilder().setAt(atPoints[i]).setPoints(atPoints[i + 1]));
    }
    return t.build();
  }

  public static Component.Builder component(String id, double weight, Measure.Builder... measures) {
    Component.Builder c = Component.newBuilder().setComponentId(id).setName(id).setWeight(weight);
    for (Measure.Builder m : measures) {
      c.addMeasures(m);
    }
    return c;
  }

  public static Scorecard card(Component.Builder... components) {
    Scorecard.Builder sc = Scorecard.newBuilder().setScorecardId("test").setName("Test").setVersion(1);
    for (Component.Builder c : components) {
      sc.addComponents(c);
    }
    return sc.build();
  }

  /** A scorecard of one component holding these measures. */
  public static CompiledScorecard compiled(Measure.Builder... measures) {
    return CompiledScorecard.compile(card(component("main", 1, measures)));
  }

  public static AccountSnapshot account(Map<String, Double> features) {
    return account("a1", "smb", features, Map.of());
  }

  public static AccountSnapshot account(
      String id, String segment, Map<String, Double> features, Map<String, String> labels) {
    return new AccountSnapshot(id, segment, "adopt", "", "owner", 100, new HashMap<>(features), labels);
  }

  public static ScoringContext ctx() {
    return new ScoringContext(1_000_000L, SegmentDistributions.empty());
  }
}
