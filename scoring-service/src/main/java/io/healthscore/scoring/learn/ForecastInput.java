package io.healthscore.scoring.learn;

import io.healthscore.v1.Band;

/** One account in a retention forecast; rates and probability are over the forecast period. */
public record ForecastInput(
    String accountId,
    String segment,
    String owner,
    Band band,
    double mrr,
    double churnProbabilityOverPeriod,
    double expansionRate,
    double contractionRate) {}
