package io.healthscore.signals.features;

import io.healthscore.signals.ingest.AccountRollups;
import io.healthscore.signals.ingest.IngestEngine;
import io.healthscore.signals.store.AccountRecord;
import io.healthscore.signals.store.AccountStore;
import io.healthscore.signals.store.OutcomeStore;

/** Gathers what {@link FeatureCalculator} needs for an account from the engine and the stores. */
public final class FeatureReader {
  private static final int MRR_CHANGE_DAYS = 90;
  private static final int ACTIVE_USERS_DAYS = 30;

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
    // From day 0: days_since_first needs the first day the metric ever had data. User sets only
    // for the 30 days the distinct-user features cover.
    AccountRollups read =
        engine.read(account.accountId(), 0, horizon.endDay(), horizon.endDay() - ACTIVE_USERS_DAYS);
    return calculator.compute(
        account,
        read.rollups(),
        read::distinctUsers,
        mrrChange,
        accounts.countChildren(account.accountId()),
        horizon);
  }
}
