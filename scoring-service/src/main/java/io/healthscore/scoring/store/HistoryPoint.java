package io.healthscore.scoring.store;

import io.healthscore.v1.Band;

/** One stored material change of a score; {@code seq} is the cursor of the change. */
public record HistoryPoint(
    String accountId,
    String scorecardId,
    long seq,
    long computedAtMillis,
    double score,
    Band band,
    double computedScore,
    double coverage,
    long scorecardVersion,
    boolean overridden) {}
