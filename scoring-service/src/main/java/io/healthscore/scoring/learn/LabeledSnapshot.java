package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.AccountSnapshot;

/** An account as it was at {@code asOfMillis} and whether it churned within the horizon after it. */
public record LabeledSnapshot(
    String accountId, long asOfMillis, AccountSnapshot snapshot, boolean churned, double mrr) {}
