package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.v1.BacktestReport;
import java.util.List;

/** How well a scorecard (or model) would have predicted past churn. */
public final class Backtester {
  private Backtester() {}

  public static BacktestReport run(
      CompiledScorecard sc, ChurnModel modelOrNull, List<LabeledSnapshot> samples, int horizonDays) {
    throw new UnsupportedOperationException("not yet");
  }
}
