package io.healthscore.scoring.scoring;

import io.healthscore.scoring.learn.LearnedChurnModel;
import io.healthscore.scoring.learn.PopulationStability;
import io.healthscore.scoring.learn.ebm.EbmModel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drift of the active learned model, for Prometheus: every account it scores is remembered (its
 * bins and probability, latest only), and {@link #refresh()} compares today's population with the
 * training one. Gauges: {@code healthscore_model_psi{term}} for the score ("(score)") and the ten
 * most influential features (bounded labels), {@code healthscore_model_age_days}, and {@code
 * healthscore_model_recalibration_due} (1 once the model is older than the configured age).
 */
public final class ModelDrift {
  static final int FEATURES_EXPORTED = 10;
  public static final String SCORE_TERM = "(score)";

  private final ModelRegistry models;
  private final Clock clock;
  private final Duration recalibrationAge;
  private final Map<String, int[]> bins = new ConcurrentHashMap<>();
  private final Map<String, Double> probabilities = new ConcurrentHashMap<>();
  private final MultiGauge psi;
  private volatile String trackedModel = "";
  private volatile Map<String, Double> lastPsi = Map.of();

  public ModelDrift(ModelRegistry models, MeterRegistry registry, Clock clock, Duration recalibrationAge) {
    this.models = models;
    this.clock = clock;
    this.recalibrationAge = recalibrationAge;
    this.psi =
        MultiGauge.builder("healthscore.model.psi")
            .description("Population stability index of the active learned model's score and top features, training against today")
            .register(registry);
    Gauge.builder("healthscore.model.age.days", this, d -> d.ageDays())
        .description("Age in days of the active learned model (NaN without one)")
        .register(registry);
    Gauge.builder("healthscore.model.recalibration.due", this, d -> d.recalibrationDue() ? 1 : 0)
        .description("1 when the active learned model is older than the recalibration age")
        .register(registry);
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
    double age = ageDays();
    return !Double.isNaN(age) && age > recalibrationAge.toDays();
  }

  /** PSI by term as last refreshed. */
  public Map<String, Double> psi() {
    return lastPsi;
  }

  /** Recomputes the PSI gauges from the accounts observed under the active model. */
  public void refresh() {
    LearnedChurnModel model = models.learned().orElse(null);
    if (model == null || !model.modelId().equals(trackedModel) || bins.isEmpty()) {
      lastPsi = Map.of();
      psi.register(List.of(), true);
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
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    values.forEach((term, v) -> rows.add(MultiGauge.Row.of(Tags.of("term", term), v)));
    psi.register(rows, true);
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
