package io.healthscore.scoring.scorecard;

import io.healthscore.v1.Scorecard;
import java.util.List;

/** The scorecard templates shipped under resources scorecards/templates/. */
public final class ScorecardTemplates {
  private ScorecardTemplates() {}

  public static List<Scorecard> all() {
    throw new UnsupportedOperationException("not yet");
  }
}
