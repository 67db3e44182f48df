package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.CompiledScorecard;
import java.util.List;

/** Learns measure weights and a churn probability from labelled snapshots. */
public final class Calibrator {
  private Calibrator() {}

  public static CalibrationResult calibrate(
      CompiledScorecard sc, List<LabeledSnapshot> samples, int horizonDays, long seed) {
    throw new UnsupportedOperationException("not yet");
  }
}
