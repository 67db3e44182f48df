package io.healthscore.scoring.store;

import io.healthscore.v1.Band;

/**
 * One row of the score table: an account's latest material score on one scorecard.
 *
 * @param score the score shown (an override's when one applied at write time)
 * @param churnProbability NaN when no model was active
 * @param modelId empty when no model was active
 * @param mrrAtRisk mrr times churn probability (or the band's default churn rate)
 * @param overrideKey identifies the override published with the score, empty for none
 * @param state the engine's compact computed score, enough to explain it again
 */
public record StoredScore(
    String accountId,
    String scorecardId,
    long scorecardVersion,
    boolean primary,
    String segment,
    double mrr,
    double score,
    Band band,
    double computedScore,
    Band computedBand,
    double coverage,
    boolean noData,
    double churnProbability,
    String modelId,
    double mrrAtRisk,
    boolean rolledUp,
    String overrideKey,
    long computedAtMillis,
    byte[] state) {}
