package io.healthscore.scoring.engine;

/** What scoring needs besides the account: the clock and the segment distributions for percentiles. */
public record ScoringContext(long nowMillis, SegmentDistributions distributions) {}
