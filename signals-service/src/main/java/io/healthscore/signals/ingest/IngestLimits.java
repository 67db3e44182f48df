package io.healthscore.signals.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bounds on an account's width: metrics per account and distinct users per metric and day. Decides,
 * on the log writer's thread before a batch is logged, which of its signals would pass a bound; those
 * are refused (and not logged), the rest of the batch goes on.
 *
 * <p>Metrics: the metrics of each account seen since start are cached (stored ones read once, on
 * the account's first batch), least recently used accounts evicted past the cache's share of the
 * memory budget. Users: while a rollup's users in the current interval plus the signals of the log
 * write stay under half the bound, nothing is looked up; past that the rollup's whole user set
 * (stored and in memory) is loaded once and followed exactly from then on. A rollup that already held more than half the bound before the start can so
 * pass the bound by at most half of it, once. Not thread-safe: the writer owns it.
 */
final class IngestLimits {
  /** Where the limits read what is stored and what waits in memory. */
  interface State {
    /** Every metric of the account, stored or in memory. */
    Set<String> metrics(String accountId);

    /** Every user hash of the rollup, stored or in memory. */
    LongHashSet users(String accountId, String metric, long epochDay);

    /** Users of the rollup in the current interval's memory, null if none. */
    LongHashSet activeUsers(String accountId, String metric, long epochDay);
  }

  private static final long MILLIS_PER_DAY = 86_400_000L;
  private static final long BYTES_PER_CACHED_METRIC = 48;
  private static final long BYTES_PER_FOLLOWED_USER = 32;

  private final int maxMetricsPerAccount;
  private final int maxUsersPerMetricDay;
  private final State state;
  private final long maxCachedMetrics;
  private final long maxFollowedUsers;
  private final LinkedHashMap<String, Set<String>> metricsByAccount = new LinkedHashMap<>(16, 0.75f, true);
  private long cachedMetrics;
  private final HashMap<RollupStore.AccountKey, LongHashSet> followed = new HashMap<>();
  /** Rollups whose stored users reached half the bound: followed exactly when next touched. */
  private final Set<RollupStore.AccountKey> large = new HashSet<>();
  private long followedUsers;

  IngestLimits(int maxMetricsPerAccount, int maxUsersPerMetricDay, long memoryBytes, State state) {
    this.maxMetricsPerAccount = maxMetricsPerAccount;
    this.maxUsersPerMetricDay = maxUsersPerMetricDay;
    this.state = state;
    this.maxCachedMetrics = Math.max(1_000, memoryBytes / 2 / BYTES_PER_CACHED_METRIC);
    this.maxFollowedUsers = Math.max(maxUsersPerMetricDay, memoryBytes / 2 / BYTES_PER_FOLLOWED_USER);
  }

  /** What the batches of one log write took, so that a batch refused as a whole gives it back. */
  static final class Admission {
    private final List<Runnable> undo = new ArrayList<>();
    /** Signals of the log write so far: an upper bound of the users they bring to any rollup. */
    private int signals;

    /** A point to {@link #undoTo}. */
    int mark() {
      return undo.size();
    }

    /** Gives back what was taken since {@code mark}. */
    void undoTo(int mark) {
      for (int i = undo.size() - 1; i >= mark; i--) {
        undo.remove(i).run();
      }
    }
  }

  /**
   * Marks in {@code batch.refused} the signals that would pass a bound and returns why, by index;
   * {@code group} carries what earlier batches of the same log write took.
   */
  List<IngestResult.Refusal> check(PreparedBatch batch, Admission group) {
    // Metrics once per account and metric of the batch, not per signal.
    Map<String, Map<String, String>> refusedMetrics = null;
    for (Map.Entry<String, Set<String>> e : batch.metricsByAccount.entrySet()) {
      for (String metric : e.getValue()) {
        String refusal = admitMetric(e.getKey(), metric, group);
        if (refusal != null) {
          if (refusedMetrics == null) {
            refusedMetrics = new HashMap<>();
          }
          refusedMetrics.computeIfAbsent(e.getKey(), a -> new HashMap<>()).put(metric, refusal);
        }
      }
    }
    group.signals += batch.size();
    List<IngestResult.Refusal> refusals = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      SignalRecord s = batch.signals.get(i);
      String metric = batch.strings[batch.metricRefs[i]];
      String refusal = null;
      String field = "metric";
      if (refusedMetrics != null) {
        Map<String, String> ofAccount = refusedMetrics.get(s.accountId());
        refusal = ofAccount == null ? null : ofAccount.get(metric);
      }
      if (refusal == null && batch.userHashes[i] != 0) {
        refusal = admitUser(s.accountId(), metric, Math.floorDiv(s.occurredAtMillis(), MILLIS_PER_DAY),
            batch.userHashes[i], group);
        field = "user_id";
      }
      if (refusal != null) {
        batch.refused[i] = true;
        batch.refusedCount++;
        refusals.add(new IngestResult.Refusal(i, field, refusal));
      }
    }
    return refusals;
  }

  private String admitMetric(String account, String metric, Admission group) {
    Set<String> metrics = metricsByAccount.get(account);
    if (metrics == null) {
      metrics = new HashSet<>(state.metrics(account));
      metricsByAccount.put(account, metrics);
      cachedMetrics += metrics.size();
    }
    if (metrics.contains(metric)) {
      return null;
    }
    if (metrics.size() >= maxMetricsPerAccount) {
      return "metric '" + metric + "' refused: account '" + account + "' already has " + metrics.size()
          + " metrics, the limit (" + IngestSettings.MAX_METRICS_PER_ACCOUNT + ")";
    }
    Set<String> taken = metrics;
    taken.add(metric);
    cachedMetrics++;
    group.undo.add(() -> {
      if (taken.remove(metric)) {
        cachedMetrics--;
      }
    });
    evictMetrics(account);
    return null;
  }

  /** Forgets the least recently used accounts (all but {@code keep}) past the cache's budget. */
  private void evictMetrics(String keep) {
    var eldest = metricsByAccount.entrySet().iterator();
    while (cachedMetrics > maxCachedMetrics && eldest.hasNext()) {
      Map.Entry<String, Set<String>> e = eldest.next();
      if (!e.getKey().equals(keep)) {
        cachedMetrics -= e.getValue().size();
        eldest.remove();
      }
    }
  }

  private String admitUser(String account, String metric, long day, long user, Admission group) {
    RollupStore.AccountKey key =
        followed.isEmpty() && large.isEmpty() ? null : new RollupStore.AccountKey(account, metric, day);
    LongHashSet all = key == null ? null : followed.get(key);
    if (all == null && key != null && large.remove(key)) {
      all = follow(key);
    }
    if (all == null) {
      LongHashSet active = state.activeUsers(account, metric, day);
      if (active != null && active.contains(user)) {
        return null;
      }
      int seen = active == null ? 0 : active.size();
      if (seen + group.signals < maxUsersPerMetricDay / 2) {
        return null; // far from the bound whatever is stored: fewer than half new, half stored
      }
      all = follow(new RollupStore.AccountKey(account, metric, day));
    }
    if (all.contains(user)) {
      return null;
    }
    if (all.size() >= maxUsersPerMetricDay) {
      return "user refused: account '" + account + "', metric '" + metric + "' already has "
          + all.size() + " distinct users on day " + day + ", the limit ("
          + IngestSettings.MAX_USERS_PER_METRIC_DAY + ")";
    }
    all.add(user);
    followedUsers++;
    LongHashSet taken = all;
    group.undo.add(() -> {
      if (taken.remove(user)) {
        followedUsers--;
      }
    });
    return null;
  }

  /** Loads the rollup's whole user set, to follow it exactly from now on. */
  private LongHashSet follow(RollupStore.AccountKey key) {
    if (followedUsers > maxFollowedUsers) {
      // Past its share of the budget: start over; a rollup followed again is loaded again, exactly.
      followed.clear();
      followedUsers = 0;
    }
    LongHashSet all = state.users(key.accountId(), key.metric(), key.epochDay());
    followed.put(key, all);
    followedUsers += all.size();
    return all;
  }

  /** The number of users from which a checkpoint reports a rollup as large. */
  int largeUserSet() {
    return Math.max(1, maxUsersPerMetricDay / 2);
  }

  /** Rollups a checkpoint found with at least {@link #largeUserSet} users: follow them exactly. */
  void largeUserSets(List<RollupStore.AccountKey> keys) {
    for (RollupStore.AccountKey key : keys) {
      if (!followed.containsKey(key) && large.size() < maxFollowedUsers / Math.max(1, largeUserSet())) {
        large.add(key);
      }
    }
  }

  /** Adds the users of logged signals to the rollups followed exactly. */
  void logged(PreparedBatch batch) {
    if (followed.isEmpty()) {
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      if (batch.refused[i] || batch.userHashes[i] == 0) {
        continue;
      }
      SignalRecord s = batch.signals.get(i);
      LongHashSet all =
          followed.get(new RollupStore.AccountKey(s.accountId(), batch.strings[batch.metricRefs[i]],
              Math.floorDiv(s.occurredAtMillis(), MILLIS_PER_DAY)));
      if (all != null && all.add(batch.userHashes[i])) {
        followedUsers++;
      }
    }
  }
}
