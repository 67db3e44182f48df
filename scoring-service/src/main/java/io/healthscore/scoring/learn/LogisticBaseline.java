package io.healthscore.scoring.learn;

import io.healthscore.scoring.learn.ebm.FeatureColumn;
import io.healthscore.scoring.learn.ebm.TrainingTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain logistic regression on the same table a learned model sees, as the yardstick it must
 * beat: each numeric feature enters linearly (missing values at the training mean, plus a
 * missing indicator), each category one-hot (categories seen fewer than 10 times left out).
 */
public final class LogisticBaseline {
  private static final int MIN_CATEGORY_ROWS = 10;

  private final List<String> numeric = new ArrayList<>();
  private final List<Double> means = new ArrayList<>();
  private final List<Integer> numericAt = new ArrayList<>();
  private final List<String> categorical = new ArrayList<>();
  private final List<Map<String, Integer>> categories = new ArrayList<>();
  private LogisticRegression.Fit fit;

  private LogisticBaseline() {}

  /** Fits on the table with a light L2 penalty (1.0 on standardised coefficients). */
  public static LogisticBaseline fit(TrainingTable table) {
    LogisticBaseline model = new LogisticBaseline();
    int width = 0;
    for (FeatureColumn c : table.columns()) {
      if (c.categorical()) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String l : c.labels()) {
          if (l != null) {
            counts.merge(l, 1, Integer::sum);
          }
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
          if (e.getValue() >= MIN_CATEGORY_ROWS) {
            index.put(e.getKey(), width++);
          }
        }
        model.categorical.add(c.name());
        model.categories.add(index);
      } else {
        double sum = 0;
        int present = 0;
        for (double v : c.numbers()) {
          if (!Double.isNaN(v)) {
            sum += v;
            present++;
          }
        }
        model.numeric.add(c.name());
        model.means.add(present == 0 ? 0 : sum / present);
        model.numericAt.add(width);
        width += 2;
      }
    }
    model.fit = LogisticRegression.fit(model.design(table, width), table.churned(), 1.0);
    return model;
  }

  /** Churn probabilities of a table's rows (columns matched by name). */
  public double[] predict(TrainingTable table) {
    double[][] x = design(table, fit.coefficients().length);
    double[] p = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      double z = fit.intercept();
      for (int j = 0; j < x[i].length; j++) {
        z += fit.coefficients()[j] * x[i][j];
      }
      p[i] = 1 / (1 + Math.exp(-z));
    }
    return p;
  }

  private double[][] design(TrainingTable table, int width) {
    Map<String, FeatureColumn> byName = new LinkedHashMap<>();
    for (FeatureColumn c : table.columns()) {
      byName.put(c.name(), c);
    }
    double[][] x = new double[table.rows()][width];
    for (int i = 0; i < table.rows(); i++) {
      for (int f = 0; f < numeric.size(); f++) {
        int j = numericAt.get(f);
        FeatureColumn c = byName.get(numeric.get(f));
        double v = c == null ? Double.NaN : c.numbers()[i];
        x[i][j] = Double.isNaN(v) ? means.get(f) : v;
        x[i][j + 1] = Double.isNaN(v) ? 1 : 0;
      }
      for (int f = 0; f < categorical.size(); f++) {
        FeatureColumn c = byName.get(categorical.get(f));
        Integer at = c == null ? null : categories.get(f).get(c.labels()[i]);
        if (at != null) {
          x[i][at] = 1;
        }
      }
    }
    return x;
  }
}
