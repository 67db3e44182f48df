package io.healthscore.scoring.scoring;

import com.google.protobuf.InvalidProtocolBufferException;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.scoring.learn.ChurnModel;
import io.healthscore.scoring.learn.LearnedChurnModel;
import io.healthscore.scoring.store.ModelStore;
import io.healthscore.scoring.store.StoredModel;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.ModelState;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models in use, loaded from the model store: the active logistic model of each scorecard,
 * and at most one active and one shadow learned model (no scorecard; they apply to the accounts
 * of their segments). A learned model in scope takes precedence over a scorecard's model.
 */
public final class ModelRegistry {
  private final Map<String, ChurnModel> activeByScorecard = new ConcurrentHashMap<>();
  private volatile LearnedChurnModel learned;
  private volatile LearnedChurnModel shadow;
  private volatile ModelDrift drift;

  public ModelRegistry(ModelStore store) {
    reload(store);
  }

  /** Loads the models in use again from the store (after another replica changed them). */
  public synchronized void reload(ModelStore store) {
    Map<String, ChurnModel> active = new HashMap<>();
    LearnedChurnModel newLearned = null;
    LearnedChurnModel newShadow = null;
    for (StoredModel m : store.all()) {
      if (m.active()) {
        if (LearnedChurnModel.isLearned(m.body())) {
          newLearned = newLearned == null ? LearnedChurnModel.fromBytes(m.body()) : newLearned;
        } else {
          active.putIfAbsent(m.scorecardId(), ChurnModel.fromBytes(m.body()));
        }
      } else if (newShadow == null && LearnedChurnModel.isLearned(m.body()) && stateOf(m) == ModelState.MODEL_STATE_SHADOW) {
        newShadow = LearnedChurnModel.fromBytes(m.body());
      }
    }
    activeByScorecard.putAll(active);
    activeByScorecard.keySet().retainAll(active.keySet());
    learned = newLearned;
    shadow = newShadow;
  }

  /** Where the active learned model reports what it sees (drift); set once at start. */
  public void reportDriftTo(ModelDrift drift) {
    this.drift = drift;
  }

  /** A stored model's state: active by its flag, shadow by its report, else inactive. */
  public static ModelState stateOf(StoredModel m) {
    if (m.active()) {
      return ModelState.MODEL_STATE_ACTIVE;
    }
    try {
      return CalibrationReport.parseFrom(m.report()).getState() == ModelState.MODEL_STATE_SHADOW
          ? ModelState.MODEL_STATE_SHADOW
          : ModelState.MODEL_STATE_INACTIVE;
    } catch (InvalidProtocolBufferException e) {
      return ModelState.MODEL_STATE_INACTIVE;
    }
  }

  public void activate(ChurnModel model) {
    activeByScorecard.put(model.scorecardId(), model);
  }

  public void activateLearned(LearnedChurnModel model) {
    learned = model;
    if (shadow != null && shadow.modelId().equals(model.modelId())) {
      shadow = null;
    }
  }

  public void shadowLearned(LearnedChurnModel model) {
    shadow = model;
    if (learned != null && learned.modelId().equals(model.modelId())) {
      learned = null;
    }
  }

  public Optional<ChurnModel> active(String scorecardId) {
    return Optional.ofNullable(activeByScorecard.get(scorecardId));
  }

  public Optional<LearnedChurnModel> learned() {
    return Optional.ofNullable(learned);
  }

  public Optional<LearnedChurnModel> shadow() {
    return Optional.ofNullable(shadow);
  }

  /** What the active learned model makes of an account: its bins and churn probability. */
  public record LearnedAssessment(LearnedChurnModel model, int[] bins, double probability) {}

  /** The active learned model's view of the account, null when none applies. */
  public LearnedAssessment assess(AccountSnapshot account) {
    LearnedChurnModel m = learned;
    if (m == null || !m.inScope(account.segment())) {
      return null;
    }
    int[] bins = m.bins(account);
    double p = m.ebm().probability(bins);
    ModelDrift d = drift;
    if (d != null) {
      d.observe(m, account.accountId(), bins, p);
    }
    return new LearnedAssessment(m, bins, p);
  }

  /** True when a score's model id names the active learned model. */
  public boolean isLearned(String modelId) {
    LearnedChurnModel m = learned;
    return m != null && m.modelId().equals(modelId);
  }

  public String learnedModelId() {
    LearnedChurnModel m = learned;
    return m == null ? "" : m.modelId();
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

  /** The horizon of the model behind a score's probability (a learned or a scorecard's model). */
  public Optional<Integer> horizonOf(String modelId, String scorecardId) {
    LearnedChurnModel m = learned;
    if (m != null && m.modelId().equals(modelId)) {
      return Optional.of(m.horizonDays());
    }
    return active(scorecardId).map(ChurnModel::horizonDays);
  }
}
