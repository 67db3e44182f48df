package io.healthscore.scoring.cache;

/** An account's score on one scorecard. */
public record ScoreKey(String accountId, String scorecardId) {}
