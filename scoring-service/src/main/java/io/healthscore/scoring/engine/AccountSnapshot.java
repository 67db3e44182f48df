package io.healthscore.scoring.engine;

import java.util.Map;

/** What the engine knows of an account when scoring it: its attributes and features as of a moment. */
public record AccountSnapshot(
    String accountId,
    String segment,
    String lifecycleStage,
    String parentAccountId,
    String owner,
    double mrr,
    Map<String, Double> features,
    Map<String, String> labels) {}
