package io.healthscore.scoring.cache;

import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.v1.Band;

/**
 * What the cache holds per account and scorecard: the latest computation plus what was last
 * stored and published, against which the next computation is judged material or not. The
 * override itself is read from the override store at serve time so an expiry applies at once.
 *
 * @param previous the computation before the last material change, for driver impact changes;
 *     null when unknown
 * @param storedScore the shown score last stored and published
 * @param storedBand the shown band last stored and published
 * @param storedOverride a fingerprint of the override last published ("" for none)
 * @param churnProbability NaN without an active model
 * @param trend7 NaN when there was no score 7 days earlier (likewise trend30, trend90)
 */
public record CachedScore(
    String accountId,
    CompiledScorecard scorecard,
    ComputedScore computed,
    ComputedScore previous,
    boolean primary,
    boolean rolledUp,
    double storedScore,
    Band storedBand,
    String storedOverride,
    double churnProbability,
    String modelId,
    float trend7,
    float trend30,
    float trend90) {

  public ScoreKey key() {
    return new ScoreKey(accountId, scorecard.id());
  }
}
