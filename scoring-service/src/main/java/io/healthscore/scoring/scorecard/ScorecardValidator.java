package io.healthscore.scoring.scorecard;

import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.v1.Scorecard;
import java.util.List;
import java.util.function.Predicate;

/** Checks a scorecard and reports every problem at once. */
public final class ScorecardValidator {
  /** Components nest at most this deep. */
  public static final int MAX_DEPTH = 8;

  private ScorecardValidator() {}

  /** Every violation; {@code knownFeature} null skips the feature check. */
  public static List<FieldViolation> validate(Scorecard sc, Predicate<String> knownFeature) {
    throw new UnsupportedOperationException("not yet");
  }
}
