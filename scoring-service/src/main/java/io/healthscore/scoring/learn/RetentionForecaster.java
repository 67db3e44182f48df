package io.healthscore.scoring.learn;

import io.healthscore.v1.ForecastGrouping;
import io.healthscore.v1.ForecastRetentionResponse;
import java.util.List;

/** Expected churn, contraction, expansion, GRR, NRR and revenue at risk. */
public final class RetentionForecaster {
  private RetentionForecaster() {}

  public static ForecastRetentionResponse forecast(
      List<ForecastInput> accounts, int periodDays, ForecastGrouping grouping) {
    throw new UnsupportedOperationException("not yet");
  }
}
