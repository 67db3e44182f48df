package io.healthscore.scoring.engine;

import io.healthscore.v1.HealthScore;
import java.util.List;

/** Turns a computed score into components, drivers and sentences. */
public final class ScoreExplainer {
  private ScoreExplainer() {}

  /** Fills the account-independent fields of a HealthScore; {@code previous} may be null. */
  public static HealthScore.Builder explain(CompiledScorecard sc, ComputedScore now, ComputedScore previous) {
    throw new UnsupportedOperationException("not yet");
  }

  public static String summary(HealthScore score) { throw new UnsupportedOperationException("not yet"); }

  public static List<String> lines(HealthScore score) { throw new UnsupportedOperationException("not yet"); }
}
