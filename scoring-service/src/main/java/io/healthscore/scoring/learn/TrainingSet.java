package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import com.google.protobuf.util.Timestamps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds labelled snapshots from past outcomes.
 *
 * <p>For every account with at least one outcome, snapshots are taken every {@code
 * snapshotEveryDays} days before each outcome, back to {@code horizonDays} before it. A snapshot
 * at time t is labelled churned when a CHURNED outcome follows in (t, t + horizon]. Contraction is
 * not churn: a CONTRACTED outcome gives snapshots like a renewal does (the forecast accounts for
 * contraction separately). A snapshot whose horizon is not over at {@code nowMillis} is labelled
 * once a RENEWED or CHURNED outcome after it is recorded: that outcome settles the coming renewal,
 * whose risk the model learns. Left out: snapshots after the account's first churn (it is gone),
 * snapshots in the future, and censored ones, whose horizon is not over and which nothing has
 * settled yet. (Censoring every retained one whose horizon is not over would keep only churned
 * snapshots from the last horizon, and whatever tells a recent snapshot from an older one, such as
 * a metric's days since its first signal, would be learned as churn risk.) The FeatureSource
 * guarantees a snapshot sees no data after its as-of moment.
 */
public final class TrainingSet {
  static final long DAY_MILLIS = 86_400_000L;

  private TrainingSet() {}

  /** Labelled snapshots ordered by account id, then time. */
  public static List<LabeledSnapshot> build(
      FeatureSource src, int horizonDays, long nowMillis, int snapshotEveryDays) {
    return build(src, horizonDays, nowMillis, snapshotEveryDays, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /**
   * Labelled snapshots taken in [{@code fromMillis}, {@code toMillis}), ordered by account id, then
   * time; only those are read from the source, all in one bulk read.
   */
  public static List<LabeledSnapshot> build(
      FeatureSource src, int horizonDays, long nowMillis, int snapshotEveryDays, long fromMillis, long toMillis) {
    if (horizonDays <= 0 || snapshotEveryDays <= 0) {
      throw new IllegalArgumentException("horizonDays and snapshotEveryDays must be above zero");
    }
    long horizon = horizonDays * DAY_MILLIS;
    long step = snapshotEveryDays * DAY_MILLIS;
    Map<String, List<Outcome>> byAccount = new TreeMap<>();
    for (Outcome o : src.outcomes()) {
      byAccount.computeIfAbsent(o.getAccountId(), k -> new ArrayList<>()).add(o);
    }
    List<FeatureSource.Moment> moments = new ArrayList<>();
    List<Boolean> labels = new ArrayList<>();
    for (Map.Entry<String, List<Outcome>> e : byAccount.entrySet()) {
      List<Long> churns = new ArrayList<>();
      TreeSet<Long> renewals = new TreeSet<>();
      TreeSet<Long> times = new TreeSet<>();
      for (Outcome o : e.getValue()) {
        long at = Timestamps.toMillis(o.getOccurredAt());
        if (o.getType() == OutcomeType.OUTCOME_TYPE_CHURNED) {
          churns.add(at);
        } else if (o.getType() == OutcomeType.OUTCOME_TYPE_RENEWED) {
          renewals.add(at);
        }
        for (long t = at - step; t >= at - horizon; t -= step) {
          times.add(t);
        }
      }
      long firstChurn = churns.stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
      for (long t : times) {
        if (t >= firstChurn || t > nowMillis || t < fromMillis || t >= toMillis) {
          continue;
        }
        boolean churned = false;
        for (long c : churns) {
          if (c > t && c <= t + horizon && c <= nowMillis) {
            churned = true;
            break;
          }
        }
        boolean settled = churned || t + horizon <= nowMillis || renewedWithin(renewals, t, nowMillis);
        if (!settled) {
          continue;
        }
        moments.add(new FeatureSource.Moment(e.getKey(), t));
        labels.add(churned);
      }
    }
    List<AccountSnapshot> snapshots = moments.isEmpty() ? List.of() : src.snapshotsAsOf(moments);
    List<LabeledSnapshot> result = new ArrayList<>(moments.size());
    for (int i = 0; i < moments.size(); i++) {
      AccountSnapshot snapshot = snapshots.get(i);
      if (snapshot != null) {
        FeatureSource.Moment m = moments.get(i);
        result.add(new LabeledSnapshot(m.accountId(), m.asOfMillis(), snapshot, labels.get(i), snapshot.mrr()));
      }
    }
    return result;
  }

  /** A renewal recorded in (t, now]. */
  private static boolean renewedWithin(TreeSet<Long> renewals, long t, long nowMillis) {
    Long next = renewals.higher(t);
    return next != null && next <= nowMillis;
  }
}
