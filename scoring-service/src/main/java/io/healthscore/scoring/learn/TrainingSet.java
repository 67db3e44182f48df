package io.healthscore.scoring.learn;

import java.util.List;

/** Builds labelled snapshots from past outcomes. */
public final class TrainingSet {
  private TrainingSet() {}

  public static List<LabeledSnapshot> build(
      FeatureSource src, int horizonDays, long nowMillis, int snapshotEveryDays) {
    throw new UnsupportedOperationException("not yet");
  }
}
