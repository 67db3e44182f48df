package io.healthscore.signals.features;

import io.healthscore.signals.ingest.AccountRollups;
import io.healthscore.signals.ingest.IngestEngine;
import io.healthscore.signals.store.AccountHistory;
import io.healthscore.signals.store.AccountRecord;
import io.healthscore.signals.store.AccountStore;
import io.healthscore.signals.store.OutcomeStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

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

  /**
   * The features of many (account, horizon) pairs, in their order: each account is found and read
   * once for all its horizons. Null for a pair whose account is unknown. Stops early, returning what
   * it has, once {@code cancelled} says so.
   */
  public List<Features> snapshots(
      List<String> accountIds, List<FeatureHorizon> horizons, FeatureSelection selection, BooleanSupplier cancelled) {
    Map<String, List<Integer>> pairsByAccount = new LinkedHashMap<>();
    for (int i = 0; i < accountIds.size(); i++) {
      pairsByAccount.computeIfAbsent(accountIds.get(i), a -> new ArrayList<>()).add(i);
    }
    Map<String, AccountRecord> found = accounts.findAll(pairsByAccount.keySet());
    Map<String, AccountHistory> histories = accounts.histories(found.keySet());
    Features[] result = new Features[accountIds.size()];
    for (Map.Entry<String, List<Integer>> e : pairsByAccount.entrySet()) {
      AccountRecord account = found.get(e.getKey());
      if (account == null) {
        continue;
      }
      if (cancelled.getAsBoolean()) {
        break;
      }
      List<FeatureHorizon> accountHorizons = e.getValue().stream().map(horizons::get).toList();
      List<Features> features = featuresOf(account, histories.get(account.accountId()), accountHorizons, selection);
      for (int k = 0; k < features.size(); k++) {
        result[e.getValue().get(k)] = features.get(k);
      }
    }
    return Arrays.asList(result);
  }

  /**
   * The features {@code selection} wants of the account at one horizon; point in time with the
   * account's attributes of that moment.
   */
  public Features featuresOf(AccountRecord account, FeatureHorizon horizon, FeatureSelection selection) {
    AccountHistory history =
        horizon.isLive() ? null : accounts.histories(List.of(account.accountId())).get(account.accountId());
    return featuresOf(account, history, List.of(horizon), selection).get(0);
  }

  /**
   * The features of the account at each horizon, with its attributes as of each (from {@code
   * history}, current ones when null), from one read of its rollups, outcomes and children however
   * many horizons there are (bulk point-in-time reads).
   */
  private List<Features> featuresOf(
      AccountRecord current, AccountHistory history, List<FeatureHorizon> horizons, FeatureSelection selection) {
    String accountId = current.accountId();
    long firstEnd = Long.MAX_VALUE;
    long lastEnd = Long.MIN_VALUE;
    for (FeatureHorizon h : horizons) {
      firstEnd = Math.min(firstEnd, h.endDay());
      lastEnd = Math.max(lastEnd, h.endDay());
    }
    boolean wantsMrrChange = selection.wantsAccount("account.mrr_change_90d");
    List<OutcomeStore.MrrDelta> deltas =
        wantsMrrChange
            ? outcomes.mrrDeltas(
                accountId,
                (firstEnd - MRR_CHANGE_DAYS) * FeatureHorizon.MILLIS_PER_DAY,
                lastEnd * FeatureHorizon.MILLIS_PER_DAY)
            : List.of();
    long children = selection.wantsAccount("account.children") ? accounts.countChildren(accountId) : 0;
    // From day 0: days_since_first needs the first day the metric ever had data. User sets only
    // for the 30 days the distinct-user features of the earliest horizon cover, and later.
    AccountRollups read = engine.read(accountId, 0, lastEnd, firstEnd - ACTIVE_USERS_DAYS);
    List<Features> features = new ArrayList<>(horizons.size());
    for (FeatureHorizon h : horizons) {
      double mrrChange = sumWithin(deltas, h.windowStartMillis(MRR_CHANGE_DAYS), h.endMillis());
      AccountRecord account = history == null ? current : history.asOf(current, h.asOf().toEpochMilli());
      features.add(
          calculator.compute(account, read.rollups(), read::distinctUsers, mrrChange, children, h, selection));
    }
    return features;
  }

  private static double sumWithin(List<OutcomeStore.MrrDelta> deltas, long fromMillis, long toMillis) {
    double sum = 0;
    for (OutcomeStore.MrrDelta d : deltas) {
      if (d.occurredAtMillis() >= fromMillis && d.occurredAtMillis() < toMillis) {
        sum += d.mrrDelta();
      }
    }
    return sum;
  }
}
