package io.healthscore.signals.features;

import io.healthscore.signals.ingest.IngestEngine;
import io.healthscore.signals.store.AccountRecord;
import io.healthscore.signals.store.AccountStore;
import io.healthscore.signals.store.OutcomeStore;

/** Gathers what {@link FeatureCalculator} needs for an account from the engine and the stores. */
public final class FeatureReader {
  private static final int MRR_CHANGE_DAYS = 90;

  private final IngestEngine engine;
  private final OutcomeStore outcomes;
  private final AccountStore accounts;
  private final FeatureCalculator calculator = new FeatureCalculator();

  public FeatureReader(IngestEngine engine, OutcomeStore outcomes, AccountStore accounts) {
    this.engine = engine;
    this.outcomes = outcomes;
    this.accounts = accounts;
  }

  public Features featuresOf(AccountRecord account, FeatureHorizon horizon) {
    double mrrChange =
        outcomes.sumMrrDelta(
            account.accountId(), horizon.windowStartMillis(MRR_CHANGE_DAYS), horizon.endMillis());
    return calculator.compute(
        account,
        // From day 0: days_since_first needs the first day the metric ever had data.
        engine.rollups(account.accountId(), 0, horizon.endDay()),
        mrrChange,
        accounts.countChildren(account.accountId()),
        horizon);
  }
}
