package io.healthscore.scoring.learn.ebm;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Feature columns and, per row, whether the account churned. */
public record TrainingTable(List<FeatureColumn> columns, boolean[] churned) {
  public TrainingTable {
    columns = List.copyOf(columns);
    Set<String> names = new HashSet<>();
    for (FeatureColumn c : columns) {
      if (c.rows() != churned.length) {
        throw new IllegalArgumentException(
            c.name() + " has " + c.rows() + " rows, the labels " + churned.length);
      }
      if (!names.add(c.name())) {
        throw new IllegalArgumentException("feature " + c.name() + " appears twice");
      }
    }
  }

  public int rows() {
    return churned.length;
  }
}
