package io.healthscore.scoring.scoring;

import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.scoring.learn.ChurnModel;
import io.healthscore.scoring.store.ModelStore;
import io.healthscore.scoring.store.StoredModel;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The active churn model of each scorecard, loaded from the model store. */
public final class ModelRegistry {
  private final Map<String, ChurnModel> activeByScorecard = new ConcurrentHashMap<>();

  public ModelRegistry(ModelStore store) {
    for (StoredModel m : store.active()) {
      activeByScorecard.put(m.scorecardId(), ChurnModel.fromBytes(m.body()));
    }
  }

  public void activate(ChurnModel model) {
    activeByScorecard.put(model.scorecardId(), model);
  }

  public Optional<ChurnModel> active(String scorecardId) {
    return Optional.ofNullable(activeByScorecard.get(scorecardId));
  }

  /** The churn probability of a score, NaN when the scorecard has no active model. */
  public double churnProbability(CompiledScorecard scorecard, ComputedScore score) {
    ChurnModel model = activeByScorecard.get(scorecard.id());
    return model == null ? Double.NaN : model.churnProbability(scorecard, score);
  }

  public String activeModelId(String scorecardId) {
    ChurnModel model = activeByScorecard.get(scorecardId);
    return model == null ? "" : model.modelId();
  }
}
