package io.healthscore.scoring.upstream;

/** One (account, moment) pair of a bulk point-in-time read. */
public record SnapshotKey(String accountId, long asOfMillis) {}
