package io.healthscore.scoring.scoring;

import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.learn.LearnedChurnModel;
import io.healthscore.scoring.learn.ebm.EbmModel;
import io.healthscore.scoring.upstream.FeatureSelection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What scoring asks signals-service for: the features and labels the active scorecards read, so a
 * read costs what the scorecards use, not what an account happens to have. Logistic churn models
 * read the points of their scorecard's measures, so the scorecards cover them; an active learned
 * model adds every feature it reads (as a number or a label). Recomputed when the set of active
 * scorecards or the active learned model changes.
 */
public final class FeatureDemand {
  private final ScorecardRegistry scorecards;
  private final ModelRegistry models;
  private String computedForModel = "";
  /** The scorecards {@link #selection} was computed from (the registry replaces its list on install). */
  private List<CompiledScorecard> computedFrom;
  private FeatureSelection selection;

  public FeatureDemand(ScorecardRegistry scorecards, ModelRegistry models) {
    this.scorecards = scorecards;
    this.models = models;
  }

  /** The selection for the scorecards active now. */
  public synchronized FeatureSelection current() {
    List<CompiledScorecard> active = scorecards.all();
    Optional<LearnedChurnModel> learned = models.learned();
    String modelId = learned.map(LearnedChurnModel::modelId).orElse("");
    if (active != computedFrom || !modelId.equals(computedForModel)) {
      FeatureSelection cards = of(active);
      if (learned.isPresent()) {
        Set<String> features = new HashSet<>(cards.features());
        Set<String> labels = new HashSet<>(cards.labels());
        EbmModel ebm = learned.get().ebm();
        for (int f = 0; f < ebm.featureCount(); f++) {
          features.add(ebm.feature(f).name());
          labels.add(ebm.feature(f).name());
        }
        cards = FeatureSelection.of(features, labels);
      }
      selection = cards;
      computedFrom = active;
      computedForModel = modelId;
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
