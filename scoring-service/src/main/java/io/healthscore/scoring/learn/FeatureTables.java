package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.learn.ebm.FeatureColumn;
import io.healthscore.scoring.learn.ebm.TrainingTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns labelled snapshots into a training table over everything known about the accounts: a
 * name that is a number in any snapshot is a numeric feature (a label that reads as a number
 * counts as that number), every other label is a categorical feature, and the account's segment
 * and lifecycle stage are categorical features when the snapshots do not carry them as labels.
 */
public final class FeatureTables {
  public static final String SEGMENT = "account.segment";
  public static final String LIFECYCLE_STAGE = "account.lifecycle_stage";

  private FeatureTables() {}

  public static TrainingTable of(List<LabeledSnapshot> samples) {
    TreeSet<String> numeric = new TreeSet<>();
    TreeSet<String> labels = new TreeSet<>();
    for (LabeledSnapshot s : samples) {
      numeric.addAll(s.snapshot().features().keySet());
      labels.addAll(labelsOf(s.snapshot()).keySet());
    }
    labels.removeAll(numeric);
    int n = samples.size();
    List<FeatureColumn> columns = new ArrayList<>();
    for (String name : numeric) {
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = numberOf(samples.get(i).snapshot(), name);
      }
      columns.add(FeatureColumn.numeric(name, v));
    }
    for (String name : labels) {
      String[] v = new String[n];
      for (int i = 0; i < n; i++) {
        v[i] = labelsOf(samples.get(i).snapshot()).get(name);
      }
      columns.add(FeatureColumn.categorical(name, v));
    }
    boolean[] churned = new boolean[n];
    int[] groups = new int[n];
    Map<String, Integer> accountNumbers = new HashMap<>();
    for (int i = 0; i < n; i++) {
      churned[i] = samples.get(i).churned();
      groups[i] = accountNumbers.computeIfAbsent(samples.get(i).accountId(), k -> accountNumbers.size());
    }
    return new TrainingTable(columns, churned, groups);
  }

  /** The snapshot's labels with its segment and stage added under their account.* names. */
  public static Map<String, String> labelsOf(AccountSnapshot s) {
    Map<String, String> labels = new HashMap<>(s.labels());
    if (s.segment() != null && !s.segment().isEmpty()) {
      labels.putIfAbsent(SEGMENT, s.segment());
    }
    if (s.lifecycleStage() != null && !s.lifecycleStage().isEmpty()) {
      labels.putIfAbsent(LIFECYCLE_STAGE, s.lifecycleStage());
    }
    return labels;
  }

  private static double numberOf(AccountSnapshot s, String name) {
    Double v = s.features().get(name);
    if (v != null) {
      return v;
    }
    String label = s.labels().get(name);
    if (label == null) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(label);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** Rows of a table taken by index, for hold-out and fold splits. */
  public static TrainingTable rows(TrainingTable table, int[] rows) {
    List<FeatureColumn> columns = new ArrayList<>();
    for (FeatureColumn c : table.columns()) {
      if (c.categorical()) {
        String[] v = new String[rows.length];
        for (int i = 0; i < rows.length; i++) {
          v[i] = c.labels()[rows[i]];
        }
        columns.add(FeatureColumn.categorical(c.name(), v));
      } else {
        double[] v = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
          v[i] = c.numbers()[rows[i]];
        }
        columns.add(FeatureColumn.numeric(c.name(), v));
      }
    }
    boolean[] churned = new boolean[rows.length];
    int[] groups = table.groups() == null ? null : new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      churned[i] = table.churned()[rows[i]];
      if (groups != null) {
        groups[i] = table.groups()[rows[i]];
      }
    }
    return new TrainingTable(columns, churned, groups);
  }
}
