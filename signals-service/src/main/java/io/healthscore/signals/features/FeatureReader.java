package io.healthscore.signals.features;

import io.healthscore.signals.ingest.AccountRollups;
import io.healthscore.signals.ingest.IngestEngine;
import io.healthscore.signals.store.AccountHistory;
import io.healthscore.signals.store.AccountRecord;
import io.healthscore.signals.store.AccountStore;
import io.healthscore.signals.store.OutcomeStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** Gathers what {@link FeatureCalculator} needs for an account from the engine and the stores. */
public final class FeatureReader {
  private static final int MRR_CHANGE_DAYS = 90;
  private static final int ACTIVE_USERS_DAYS = 30;
  /** Accounts whose rollups a bulk read takes from the engine at once. */
  private static final int MAX_ACCOUNTS_PER_READ = 128;

  private final IngestEngine engine;
  private final OutcomeStore outcomes;
  private final AccountStore accounts;
  private final FeatureCalculator calculator = new FeatureCalculator();
  private final Executor bulkWorkers;
  private final int bulkParallelism;

  /** Bulk reads compute up to {@code bulkParallelism} accounts at a time, on {@code bulkWorkers} and the caller. */
  public FeatureReader(
      IngestEngine engine, OutcomeStore outcomes, AccountStore accounts, Executor bulkWorkers, int bulkParallelism) {
    this.engine = engine;
    this.outcomes = outcomes;
    this.accounts = accounts;
    this.bulkWorkers = bulkWorkers;
    this.bulkParallelism = Math.max(1, bulkParallelism);
  }

  /**
   * The features of many (account, horizon) pairs, in their order: each account is found and read
   * once for all its horizons, several accounts at a time. Null for a pair whose account is unknown.
   * Stops early, returning what it has, once {@code cancelled} says so.
   */
  public List<Features> snapshots(
      List<String> accountIds, List<FeatureHorizon> horizons, FeatureSelection selection, BooleanSupplier cancelled) {
    Map<String, List<Integer>> pairsByAccount = new LinkedHashMap<>();
    for (int i = 0; i < accountIds.size(); i++) {
      pairsByAccount.computeIfAbsent(accountIds.get(i), a -> new ArrayList<>()).add(i);
    }
    Map<String, AccountRecord> found = accounts.findAll(pairsByAccount.keySet());
    Set<String> pointInTime = new HashSet<>();
    for (int i = 0; i < accountIds.size(); i++) {
      if (!horizons.get(i).isLive() && found.containsKey(accountIds.get(i))) {
        pointInTime.add(accountIds.get(i));
      }
    }
    Map<String, AccountHistory> histories = pointInTime.isEmpty() ? Map.of() : accounts.histories(pointInTime);
    Features[] result = new Features[accountIds.size()];
    List<Map.Entry<String, List<Integer>>> work = new ArrayList<>();
    for (Map.Entry<String, List<Integer>> e : pairsByAccount.entrySet()) {
      if (found.containsKey(e.getKey())) {
        work.add(e);
      }
    }
    List<List<FeatureHorizon>> horizonsOfWork = new ArrayList<>(work.size());
    for (Map.Entry<String, List<Integer>> e : work) {
      horizonsOfWork.add(e.getValue().stream().map(horizons::get).toList());
    }
    // Each worker takes a run of accounts, reads their rollups in one go, then computes them.
    int run = Math.max(1, Math.min(MAX_ACCOUNTS_PER_READ, (work.size() + bulkParallelism - 1) / bulkParallelism));
    AtomicInteger next = new AtomicInteger();
    Runnable worker =
        () -> {
          for (int from = next.getAndAdd(run); from < work.size() && !cancelled.getAsBoolean(); from = next.getAndAdd(run)) {
            int to = Math.min(work.size(), from + run);
            List<IngestEngine.RollupRead> reads = new ArrayList<>(to - from);
            List<FeatureHorizon> runHorizons = new ArrayList<>();
            for (int w = from; w < to; w++) {
              String id = work.get(w).getKey();
              reads.add(rollupRead(found.get(id), histories.get(id), horizonsOfWork.get(w), selection));
              runHorizons.addAll(horizonsOfWork.get(w));
            }
            Map<String, AccountRollups> rollups = engine.readAll(reads);
            AccountExtras extras = extras(reads, runHorizons, selection);
            for (int w = from; w < to && !cancelled.getAsBoolean(); w++) {
              Map.Entry<String, List<Integer>> e = work.get(w);
              List<Features> features =
                  featuresOf(found.get(e.getKey()), histories.get(e.getKey()), rollups.get(e.getKey()), extras,
                      horizonsOfWork.get(w), selection);
              for (int k = 0; k < features.size(); k++) {
                result[e.getValue().get(k)] = features.get(k);
              }
            }
          }
        };
    List<CompletableFuture<Void>> helpers = new ArrayList<>();
    for (int t = 1; t < Math.min(bulkParallelism, work.size()); t++) {
      helpers.add(CompletableFuture.runAsync(worker, bulkWorkers));
    }
    worker.run();
    try {
      CompletableFuture.allOf(helpers.toArray(new CompletableFuture[0])).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
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
    List<FeatureHorizon> horizons = List.of(horizon);
    List<IngestEngine.RollupRead> reads = List.of(rollupRead(account, history, horizons, selection));
    AccountRollups rollups = engine.readAll(reads).get(account.accountId());
    return featuresOf(account, history, rollups, extras(reads, horizons, selection), horizons, selection).get(0);
  }

  /**
   * What the account features need beyond rollups, for a run of accounts at once (a statement or
   * two, not one per account): the MRR changes of outcomes in the 90 days before any of their
   * horizons, and the number of children; each read only when the selection wants it.
   */
  private record AccountExtras(Map<String, List<OutcomeStore.MrrDelta>> mrrDeltas, Map<String, Long> children) {}

  private AccountExtras extras(
      List<IngestEngine.RollupRead> reads, List<FeatureHorizon> horizons, FeatureSelection selection) {
    List<String> ids = new ArrayList<>(reads.size());
    for (IngestEngine.RollupRead r : reads) {
      ids.add(r.accountId());
    }
    long firstEnd = Long.MAX_VALUE;
    long lastEnd = Long.MIN_VALUE;
    for (FeatureHorizon h : horizons) {
      firstEnd = Math.min(firstEnd, h.endDay());
      lastEnd = Math.max(lastEnd, h.endDay());
    }
    Map<String, List<OutcomeStore.MrrDelta>> deltas =
        selection.wantsAccount("account.mrr_change_90d")
            ? outcomes.mrrDeltas(
                ids, (firstEnd - MRR_CHANGE_DAYS) * FeatureHorizon.MILLIS_PER_DAY, lastEnd * FeatureHorizon.MILLIS_PER_DAY)
            : Map.of();
    Map<String, Long> children = selection.wantsAccount("account.children") ? accounts.countChildren(ids) : Map.of();
    return new AccountExtras(deltas, children);
  }

  /**
   * What the account's features at these horizons read: from day 0, since days_since_first needs
   * the first day the metric ever had data; user sets only for the 30 days the distinct-user
   * features of the earliest horizon cover, and later; only the metrics the selection wants, unless
   * it needs every metric (an account with a history of attributes may have had licenses).
   */
  private static IngestEngine.RollupRead rollupRead(
      AccountRecord account, AccountHistory history, List<FeatureHorizon> horizons, FeatureSelection selection) {
    long firstEnd = Long.MAX_VALUE;
    long lastEnd = Long.MIN_VALUE;
    for (FeatureHorizon h : horizons) {
      firstEnd = Math.min(firstEnd, h.endDay());
      lastEnd = Math.max(lastEnd, h.endDay());
    }
    boolean mayHaveLicenses = account.licenses() > 0 || history != null;
    Predicate<String> metrics = selection.needsEveryMetric(mayHaveLicenses) ? metric -> true : selection::wantsMetric;
    return new IngestEngine.RollupRead(account.accountId(), 0, lastEnd, firstEnd - ACTIVE_USERS_DAYS, metrics);
  }

  /**
   * The features of the account at each horizon, with its attributes as of each (from {@code
   * history}; current ones when null and for live horizons, as a single read takes them), from one
   * read of its rollups ({@link #rollupRead} of these horizons) and the run's {@code extras},
   * however many horizons there are (bulk point-in-time reads).
   */
  private List<Features> featuresOf(
      AccountRecord current,
      AccountHistory history,
      AccountRollups read,
      AccountExtras extras,
      List<FeatureHorizon> horizons,
      FeatureSelection selection) {
    String accountId = current.accountId();
    List<OutcomeStore.MrrDelta> deltas = extras.mrrDeltas().getOrDefault(accountId, List.of());
    long children = extras.children().getOrDefault(accountId, 0L);
    List<Features> features = new ArrayList<>(horizons.size());
    for (FeatureHorizon h : horizons) {
      double mrrChange = sumWithin(deltas, h.windowStartMillis(MRR_CHANGE_DAYS), h.endMillis());
      AccountRecord account = history == null || h.isLive() ? current : history.asOf(current, h.asOf().toEpochMilli());
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
