package io.healthscore.scoring.scoring;

import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.upstream.FeatureSelection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What scoring asks signals-service for: the features and labels the active scorecards read, so a
 * read costs what the scorecards use, not what an account happens to have. Churn models read the
 * points of their scorecard's measures, so the scorecards cover them. Recomputed when the set of
 * active scorecards changes (a put installs a new version).
 */
public final class FeatureDemand {
  private final ScorecardRegistry scorecards;
  /** The scorecards {@link #selection} was computed from (the registry replaces its list on install). */
  private List<CompiledScorecard> computedFrom;
  private FeatureSelection selection;

  public FeatureDemand(ScorecardRegistry scorecards) {
    this.scorecards = scorecards;
  }

  /** The selection for the scorecards active now. */
  public synchronized FeatureSelection current() {
    List<CompiledScorecard> active = scorecards.all();
    if (active != computedFrom) {
      selection = of(active);
      computedFrom = active;
    }
    return selection;
  }

  /** What scoring on these scorecards reads. */
  public static FeatureSelection of(List<CompiledScorecard> cards) {
    Set<String> features = new HashSet<>();
    Set<String> labels = new HashSet<>();
    for (CompiledScorecard c : cards) {
      features.addAll(c.featuresRead());
      labels.addAll(c.labelsRead());
    }
    return FeatureSelection.of(features, labels);
  }
}
