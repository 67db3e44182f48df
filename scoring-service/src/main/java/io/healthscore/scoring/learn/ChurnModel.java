package io.healthscore.scoring.learn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ComputedScore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * A logistic churn model on a scorecard's measure points: {@code p = 1 / (1 + exp(-(intercept +
 * Σ coefficient × points)))}, where a measure without points (missing, left out) counts at its
 * mean over the training samples. Measures are matched by id, so the model also applies to a
 * later version of the scorecard that keeps them (a measure it does not know counts nothing).
 * Immutable and thread-safe; stored as JSON bytes.
 */
public final class ChurnModel {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String modelId;
  private final String scorecardId;
  private final long scorecardVersion;
  private final int horizonDays;
  private final double intercept;
  private final List<String> measureIds;
  private final double[] coefficients;
  private final double[] means;

  /** Measure positions in the last scorecard asked about, so lookups by id happen once. */
  private volatile Binding binding;

  private record Binding(CompiledScorecard sc, int[] index) {}

  public ChurnModel(
      String modelId,
      String scorecardId,
      long scorecardVersion,
      int horizonDays,
      double intercept,
      List<String> measureIds,
      double[] coefficients,
      double[] means) {
    if (measureIds.size() != coefficients.length || coefficients.length != means.length) {
      throw new IllegalArgumentException("one coefficient and one mean per measure");
    }
    this.modelId = modelId;
    this.scorecardId = scorecardId;
    this.scorecardVersion = scorecardVersion;
    this.horizonDays = horizonDays;
    this.intercept = intercept;
    this.measureIds = List.copyOf(measureIds);
    this.coefficients = coefficients.clone();
    this.means = means.clone();
  }

  public String modelId() {
    return modelId;
  }

  public String scorecardId() {
    return scorecardId;
  }

  public long scorecardVersion() {
    return scorecardVersion;
  }

  /** Churn within this many days is what the probability is about. */
  public int horizonDays() {
    return horizonDays;
  }

  public double intercept() {
    return intercept;
  }

  public List<String> measureIds() {
    return measureIds;
  }

  /** Per point of each measure, in {@link #measureIds()} order; negative: more points, less churn. */
  public double[] coefficients() {
    return coefficients.clone();
  }

  /** Churn probability within the horizon of an account with this computed score. */
  public double churnProbability(CompiledScorecard sc, ComputedScore score) {
    return probability(pointsInModelOrder(sc, sc.evaluate(score).points()));
  }

  /** Probability from points in {@link #measureIds()} order (NaN = use the mean). */
  double probability(double[] points) {
    double z = intercept;
    for (int j = 0; j < coefficients.length; j++) {
      double x = Double.isNaN(points[j]) ? means[j] : points[j];
      z += coefficients[j] * x;
    }
    return 1 / (1 + Math.exp(-z));
  }

  /** The scorecard's points rearranged into the model's measure order. */
  double[] pointsInModelOrder(CompiledScorecard sc, double[] scorecardPoints) {
    int[] index = indexFor(sc);
    double[] x = new double[index.length];
    for (int j = 0; j < index.length; j++) {
      x[j] = index[j] < 0 ? Double.NaN : scorecardPoints[index[j]];
    }
    return x;
  }

  private int[] indexFor(CompiledScorecard sc) {
    Binding b = binding;
    if (b == null || b.sc() != sc) {
      int[] index = new int[measureIds.size()];
      for (int j = 0; j < index.length; j++) {
        index[j] = sc.indexOf(measureIds.get(j));
      }
      b = new Binding(sc, index);
      binding = b;
    }
    return b.index();
  }

  public byte[] toBytes() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", 1);
    root.put("model_id", modelId);
    root.put("scorecard_id", scorecardId);
    root.put("scorecard_version", scorecardVersion);
    root.put("horizon_days", horizonDays);
    root.put("intercept", intercept);
    ArrayNode measures = root.putArray("measures");
    for (int j = 0; j < coefficients.length; j++) {
      measures.addObject()
          .put("measure_id", measureIds.get(j))
          .put("coefficient", coefficients[j])
          .put("mean", means[j]);
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @throws IllegalArgumentException when the bytes are not a stored model */
  public static ChurnModel fromBytes(byte[] bytes) {
    try {
      JsonNode root = JSON.readTree(bytes);
      if (root == null || root.path("format").asInt() != 1) {
        throw new IllegalArgumentException("not a stored churn model (format 1)");
      }
      JsonNode measures = root.path("measures");
      String[] ids = new String[measures.size()];
      double[] coefficients = new double[measures.size()];
      double[] means = new double[measures.size()];
      for (int j = 0; j < ids.length; j++) {
        JsonNode m = measures.get(j);
        ids[j] = m.path("measure_id").asText();
        coefficients[j] = m.path("coefficient").asDouble();
        means[j] = m.path("mean").asDouble();
      }
      return new ChurnModel(
          root.path("model_id").asText(),
          root.path("scorecard_id").asText(),
          root.path("scorecard_version").asLong(),
          root.path("horizon_days").asInt(),
          root.path("intercept").asDouble(),
          Arrays.asList(ids),
          coefficients,
          means);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a stored churn model: " + e.getMessage(), e);
    }
  }
}
