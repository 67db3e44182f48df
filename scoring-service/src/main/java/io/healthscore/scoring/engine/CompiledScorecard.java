package io.healthscore.scoring.engine;

import io.healthscore.v1.Band;
import io.healthscore.v1.Scorecard;

/** A validated scorecard flattened into arrays so that scoring is a tight loop. */
public final class CompiledScorecard {
  /** @throws io.healthscore.runtime.error.InvalidArgumentException when the scorecard is invalid */
  public static CompiledScorecard compile(Scorecard sc) {
    throw new UnsupportedOperationException("not yet");
  }

  public Scorecard source() { throw new UnsupportedOperationException("not yet"); }
  public String id() { throw new UnsupportedOperationException("not yet"); }
  public long version() { throw new UnsupportedOperationException("not yet"); }
  public boolean appliesTo(String segment, String lifecycleStage) { throw new UnsupportedOperationException("not yet"); }
  public int measureCount() { throw new UnsupportedOperationException("not yet"); }

  public ComputedScore score(AccountSnapshot a, ScoringContext ctx, Band previousBand) {
    throw new UnsupportedOperationException("not yet");
  }
}
