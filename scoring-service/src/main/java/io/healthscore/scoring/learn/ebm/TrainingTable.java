package io.healthscore.scoring.learn.ebm;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Feature columns and, per row, whether the account churned. {@code groups} (null: every row on
 * its own) gives each row its account's number: rows of one account (its snapshots at several
 * dates) stay together on one side of every validation split, so early stopping and calibration
 * never judge a row by a near copy of it that was trained on.
 */
public record TrainingTable(List<FeatureColumn> columns, boolean[] churned, int[] groups) {
  public TrainingTable(List<FeatureColumn> columns, boolean[] churned) {
    this(columns, churned, null);
  }

  public TrainingTable {
    if (groups != null && groups.length != churned.length) {
      throw new IllegalArgumentException("groups has " + groups.length + " rows, the labels " + churned.length);
    }
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
