package io.healthscore.scoring.scoring;

import io.healthscore.scoring.learn.LearnedChurnModel;
import io.healthscore.scoring.learn.PopulationStability;
import io.healthscore.scoring.learn.ebm.EbmModel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Drift of the active learned model, for Prometheus: every account it scores is remembered (its
 * bins and probability, latest only), and {@link #refresh()} compares today's population with the
 * training one. Gauges, each labelled with the active model's {@code model_id}: {@code
 * healthscore_model_score_psi}, {@code healthscore_model_feature_psi{feature}} for the ten most
 * influential features (bounded labels), {@code healthscore_model_auc} (held-out, from its
 * report), {@code healthscore_model_recent_auc} (on outcomes it never saw, once measured), {@code
 * healthscore_model_age_days} and {@code healthscore_model_recalibration_due} (1 once the model is
 * older than the configured age, or its recent AUC is under the floor).
 */
public final class ModelDrift {
  static final int FEATURES_EXPORTED = 10;
  public static final String SCORE_TERM = "(score)";

  private final ModelRegistry models;
  private final Clock clock;
  private final Duration recalibrationAge;
  private final double aucFloor;
  private final Function<String, OptionalDouble> heldOutAuc;
  private final Map<String, int[]> bins = new ConcurrentHashMap<>();
  private final Map<String, Double> probabilities = new ConcurrentHashMap<>();
  private final MultiGauge scorePsi;
  private final MultiGauge featurePsi;
  private final MultiGauge auc;
  private final MultiGauge recentAucGauge;
  private final MultiGauge age;
  private final MultiGauge due;
  private volatile String trackedModel = "";
  private volatile Map<String, Double> lastPsi = Map.of();
  private volatile String recentAucModel = "";
  private volatile double recentAuc = Double.NaN;

  /**
   * @param aucFloor recalibration is due once the recent outcomes' AUC is under this
   * @param heldOutAuc a stored model's held-out AUC by id, empty when unknown
   */
  public ModelDrift(
      ModelRegistry models,
      MeterRegistry registry,
      Clock clock,
      Duration recalibrationAge,
      double aucFloor,
      Function<String, OptionalDouble> heldOutAuc) {
    this.models = models;
    this.clock = clock;
    this.recalibrationAge = recalibrationAge;
    this.aucFloor = aucFloor;
    this.heldOutAuc = heldOutAuc;
    this.scorePsi = gauge(registry, "healthscore.model.score.psi",
        "Population stability index of the active learned model's churn probability, training against today");
    this.featurePsi = gauge(registry, "healthscore.model.feature.psi",
        "Population stability index of a top feature of the active learned model, training against today");
    this.auc = gauge(registry, "healthscore.model.auc", "Held-out ROC AUC of the active learned model");
    this.recentAucGauge = gauge(registry, "healthscore.model.recent.auc",
        "ROC AUC of the active learned model on outcomes after it was trained");
    this.age = gauge(registry, "healthscore.model.age.days", "Age in days of the active learned model");
    this.due = gauge(registry, "healthscore.model.recalibration.due",
        "1 when the active learned model is older than the recalibration age or its recent AUC is under the floor");
  }

  private static MultiGauge gauge(MeterRegistry registry, String name, String description) {
    return MultiGauge.builder(name).description(description).register(registry);
  }

  /** The AUC measured on outcomes the model never saw (see LearningApi.measureRecentAuc). */
  public void recordRecentAuc(String modelId, double value) {
    recentAucModel = modelId;
    recentAuc = value;
  }

  /** The active model's recent AUC, NaN until measured. */
  public double recentAuc() {
    return models.learned().filter(m -> m.modelId().equals(recentAucModel)).map(m -> recentAuc).orElse(Double.NaN);
  }

  /** Remembers what the active model saw of an account. */
  void observe(LearnedChurnModel model, String accountId, int[] accountBins, double probability) {
    if (!model.modelId().equals(trackedModel)) {
      synchronized (this) {
        if (!model.modelId().equals(trackedModel)) {
          bins.clear();
          probabilities.clear();
          trackedModel = model.modelId();
        }
      }
    }
    bins.put(accountId, accountBins);
    probabilities.put(accountId, probability);
  }

  public double ageDays() {
    return models.learned().map(m -> (clock.millis() - m.trainedAtMillis()) / 86_400_000.0).orElse(Double.NaN);
  }

  public boolean recalibrationDue() {
    return !dueReasons().isEmpty();
  }

  /** Why the active model is due for recalibration, one sentence per cause; empty when it is not. */
  public List<String> dueReasons() {
    double days = ageDays();
    if (Double.isNaN(days)) {
      return List.of();
    }
    List<String> reasons = new ArrayList<>();
    if (days > recalibrationAge.toDays()) {
      reasons.add(String.format(Locale.ROOT, "trained %.0f days ago, more than the %d days allowed",
          Math.floor(days), recalibrationAge.toDays()));
    }
    double recent = recentAuc();
    if (recent < aucFloor) {
      reasons.add(String.format(Locale.ROOT, "ROC AUC on recent outcomes %.3f is under the floor %.3f", recent, aucFloor));
    }
    return reasons;
  }

  public Duration recalibrationAge() {
    return recalibrationAge;
  }

  public double aucFloor() {
    return aucFloor;
  }

  /** The active learned model's health as last refreshed, empty when no learned model is active. */
  public Optional<Health> health() {
    return models.learned().map(m -> new Health(m.modelId(), m.trainedAtMillis(), ageDays(),
        heldOutAuc.apply(m.modelId()), recentAuc(),
        m.modelId().equals(trackedModel) ? lastPsi.getOrDefault(SCORE_TERM, Double.NaN) : Double.NaN,
        dueReasons()));
  }

  /**
   * What GetModelHealth reports: {@code recentAuc} and {@code scorePsi} are NaN until measured;
   * {@code dueReasons} is empty unless recalibration is due.
   */
  public record Health(String modelId, long trainedAtMillis, double ageDays, OptionalDouble heldOutAuc,
      double recentAuc, double scorePsi, List<String> dueReasons) {}

  /** PSI by term as last refreshed. */
  public Map<String, Double> psi() {
    return lastPsi;
  }

  /** Recomputes the PSI gauges from the accounts observed under the active model. */
  public void refresh() {
    LearnedChurnModel model = models.learned().orElse(null);
    if (model == null) {
      lastPsi = Map.of();
      for (MultiGauge g : List.of(scorePsi, featurePsi, auc, recentAucGauge, age, due)) {
        g.register(List.of(), true);
      }
      return;
    }
    Tags modelTag = Tags.of("model_id", model.modelId());
    age.register(List.of(MultiGauge.Row.of(modelTag, ageDays())), true);
    due.register(List.of(MultiGauge.Row.of(modelTag, recalibrationDue() ? 1 : 0)), true);
    OptionalDouble heldOut = heldOutAuc.apply(model.modelId());
    auc.register(heldOut.isPresent() ? List.of(MultiGauge.Row.of(modelTag, heldOut.getAsDouble())) : List.of(), true);
    double recent = recentAuc();
    recentAucGauge.register(Double.isNaN(recent) ? List.of() : List.of(MultiGauge.Row.of(modelTag, recent)), true);
    if (!model.modelId().equals(trackedModel) || bins.isEmpty()) {
      lastPsi = Map.of();
      scorePsi.register(List.of(), true);
      featurePsi.register(List.of(), true);
      return;
    }
    EbmModel ebm = model.ebm();
    Map<String, Double> values = new ConcurrentHashMap<>();
    double[] deciles = ebm.probabilityDeciles();
    if (deciles.length > 0) {
      long[] counts = new long[deciles.length + 2];
      for (double p : probabilities.values()) {
        int bin = 1;
        while (bin - 1 < deciles.length && p >= deciles[bin - 1]) {
          bin++;
        }
        counts[bin]++;
      }
      double[] expected = new double[deciles.length + 2];
      for (int b = 1; b < expected.length; b++) {
        expected[b] = 1.0 / (deciles.length + 1);
      }
      values.put(SCORE_TERM, PopulationStability.index(expected, counts));
    }
    List<Integer> order = new ArrayList<>();
    for (int f = 0; f < ebm.featureCount(); f++) {
      if (ebm.trainingShares(f) != null) {
        order.add(f);
      }
    }
    order.sort(Comparator.comparingDouble((Integer f) -> -spread(ebm.shape(f))));
    for (int f : order.subList(0, Math.min(FEATURES_EXPORTED, order.size()))) {
      long[] counts = new long[ebm.feature(f).binCount()];
      for (int[] b : bins.values()) {
        counts[b[f]]++;
      }
      values.put(ebm.feature(f).name(), PopulationStability.index(ebm.trainingShares(f), counts));
    }
    lastPsi = Map.copyOf(values);
    List<MultiGauge.Row<?>> features = new ArrayList<>();
    values.forEach((term, v) -> {
      if (!term.equals(SCORE_TERM)) {
        features.add(MultiGauge.Row.of(modelTag.and("feature", term), v));
      }
    });
    Double score = values.get(SCORE_TERM);
    scorePsi.register(score == null ? List.of() : List.of(MultiGauge.Row.of(modelTag, score)), true);
    featurePsi.register(features, true);
  }

  private static double spread(double[] shape) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double v : shape) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return hi - lo;
  }
}
