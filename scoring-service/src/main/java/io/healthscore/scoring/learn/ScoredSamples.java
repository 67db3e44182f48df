package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.scoring.engine.ScoringContext;
import io.healthscore.scoring.engine.SegmentDistributions;
import io.healthscore.v1.Band;
import java.util.List;

/**
 * Labelled snapshots scored by one scorecard, as learning and backtests need them. Percentiles
 * are taken within the samples' own segments across all their dates.
 */
final class ScoredSamples {
  final ComputedScore[] scores;
  final boolean[] churned;

  private ScoredSamples(ComputedScore[] scores, boolean[] churned) {
    this.scores = scores;
    this.churned = churned;
  }

  static ScoredSamples of(CompiledScorecard sc, List<LabeledSnapshot> samples) {
    List<AccountSnapshot> snapshots = samples.stream().map(LabeledSnapshot::snapshot).toList();
    SegmentDistributions distributions = SegmentDistributions.build(sc, snapshots);
    ComputedScore[] scores = new ComputedScore[samples.size()];
    boolean[] churned = new boolean[samples.size()];
    for (int i = 0; i < scores.length; i++) {
      LabeledSnapshot s = samples.get(i);
      scores[i] =
          sc.score(s.snapshot(), new ScoringContext(s.asOfMillis(), distributions), Band.BAND_UNSPECIFIED);
      churned[i] = s.churned();
    }
    return new ScoredSamples(scores, churned);
  }
}
