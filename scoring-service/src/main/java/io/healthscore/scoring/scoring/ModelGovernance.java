package io.healthscore.scoring.scoring;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.scoring.learn.ChurnModel;
import io.healthscore.scoring.learn.LearnedChurnModel;
import io.healthscore.scoring.store.ModelStore;
import io.healthscore.scoring.store.StoredModel;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.ModelInfo;
import io.healthscore.v1.ModelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Every trained model is stored with its report and a state: active (served), shadow (computed
 * and reported, not served; learned models only, one at a time) or inactive. Activation refuses a
 * model whose held-out AUC is below the active one's by more than the margin unless forced, and
 * rescores the accounts so their churn probabilities follow.
 */
public final class ModelGovernance {
  /** Held-out AUC a new model may lose against the active one before activation is refused. */
  public static final double DEFAULT_AUC_MARGIN = 0.01;

  private final ModelStore store;
  private final ModelRegistry registry;
  /** Rescores the accounts of a scorecard ("" for all) after an activation commits. */
  private final Consumer<String> rescore;
  private final double aucMargin;

  public ModelGovernance(ModelStore store, ModelRegistry registry, Consumer<String> rescore, double aucMargin) {
    this.store = store;
    this.registry = registry;
    this.rescore = rescore;
    this.aucMargin = aucMargin;
  }

  /**
   * Stores a newly trained model inactive (a model id already stored is the same model trained
   * again on the same data, and keeps its row), then applies the requested state.
   */
  public ModelInfo save(
      String modelId, String scorecardId, int horizonDays, long createdAt, byte[] body, CalibrationReport report,
      ModelState requested, boolean force) {
    CalibrationReport stored = report.toBuilder().setState(ModelState.MODEL_STATE_INACTIVE).setActivated(false).build();
    if (store.get(modelId).isEmpty()) {
      store.save(new StoredModel(modelId, scorecardId, horizonDays, createdAt, false, body, stored.toByteArray()));
    }
    if (requested == ModelState.MODEL_STATE_ACTIVE || requested == ModelState.MODEL_STATE_SHADOW) {
      return activate(modelId, force, requested == ModelState.MODEL_STATE_SHADOW);
    }
    return get(modelId).orElseThrow();
  }

  /** Serves a stored model, or shadows it; see the class comment for the rules. */
  public synchronized ModelInfo activate(String modelId, boolean force, boolean shadow) {
    StoredModel m = store.get(modelId).orElseThrow(() -> new NotFoundException("model " + modelId + " not found"));
    boolean learned = LearnedChurnModel.isLearned(m.body());
    CalibrationReport report = report(m);
    if (shadow) {
      if (!learned) {
        throw InvalidArgumentException.forField("shadow", "only learned models (trained without scorecard_id) run in shadow");
      }
      if (m.active()) {
        throw new FailedPreconditionException("model " + modelId + " is active; activate another model before shadowing it");
      }
      for (StoredModel other : store.all()) {
        if (!other.modelId().equals(modelId) && ModelRegistry.stateOf(other) == ModelState.MODEL_STATE_SHADOW) {
          store.setState(other, false, withState(report(other), ModelState.MODEL_STATE_INACTIVE));
        }
      }
      store.setState(m, false, withState(report, ModelState.MODEL_STATE_SHADOW));
      registry.shadowLearned(LearnedChurnModel.fromBytes(m.body()));
      return get(modelId).orElseThrow();
    }
    Optional<StoredModel> current =
        store.all().stream()
            .filter(o -> o.active() && o.scorecardId().equals(m.scorecardId()) && !o.modelId().equals(modelId))
            .findFirst();
    if (current.isPresent() && !force) {
      double activeAuc = report(current.get()).getAuc();
      if (report.getAuc() < activeAuc - aucMargin) {
        throw new FailedPreconditionException(
            String.format(
                Locale.ROOT,
                "model %s has held-out AUC %.4f, below the active model %s (%.4f) by more than %.3f; set force to"
                    + " activate it anyway",
                modelId, report.getAuc(), current.get().modelId(), activeAuc, aucMargin));
      }
    }
    store.setState(m, true, withState(report, ModelState.MODEL_STATE_ACTIVE));
    if (learned) {
      registry.activateLearned(LearnedChurnModel.fromBytes(m.body()));
      rescore.accept("");
    } else {
      registry.activate(ChurnModel.fromBytes(m.body()));
      rescore.accept(m.scorecardId());
    }
    return get(modelId).orElseThrow();
  }

  /** Models newest first: of one scorecard, learned only ("-"), or all (""). */
  public List<ModelInfo> list(String scorecardId) {
    List<ModelInfo> out = new ArrayList<>();
    for (StoredModel m : store.all()) {
      boolean keep =
          scorecardId.isEmpty()
              || (scorecardId.equals("-") ? LearnedChurnModel.isLearned(m.body()) : m.scorecardId().equals(scorecardId));
      if (keep) {
        out.add(info(m));
      }
    }
    return out;
  }

  public Optional<ModelInfo> get(String modelId) {
    return store.get(modelId).map(ModelGovernance::info);
  }

  private static ModelInfo info(StoredModel m) {
    ModelState state = ModelRegistry.stateOf(m);
    return ModelInfo.newBuilder()
        .setModelId(m.modelId())
        .setScorecardId(m.scorecardId())
        .setHorizonDays(m.horizonDays())
        .setCreateTime(Timestamps.fromMillis(m.createdAtMillis()))
        .setState(state)
        .setReport(report(m).toBuilder().setState(state).setActivated(state == ModelState.MODEL_STATE_ACTIVE))
        .build();
  }

  private static CalibrationReport report(StoredModel m) {
    try {
      return CalibrationReport.parseFrom(m.report());
    } catch (InvalidProtocolBufferException e) {
      return CalibrationReport.getDefaultInstance();
    }
  }

  private static byte[] withState(CalibrationReport r, ModelState state) {
    return r.toBuilder().setState(state).setActivated(state == ModelState.MODEL_STATE_ACTIVE).build().toByteArray();
  }
}
