package io.healthscore.alerting.feed;

import io.healthscore.alerting.alert.AlertEventSink;
import io.healthscore.alerting.alert.AlertLifecycle;
import io.healthscore.alerting.engine.AccountContext;
import io.healthscore.alerting.engine.FeatureNeeds;
import io.healthscore.alerting.engine.ScoreStore;
import io.healthscore.alerting.engine.SignalsReader;
import io.healthscore.alerting.rule.RuleStore;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.Rule;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Re-evaluates every rule on accounts: the one sequence both feeds and the sweep go through. It
 * reads what the evaluations will ask signals-service for (features in batches, only those the
 * rules read, and the accounts not cached) before taking any lock, locks the accounts' stripes
 * ({@link AccountLocks}), runs the caller's work and the evaluations in one transaction, and wakes
 * the dispatcher after commit when alert events were appended.
 *
 * <p>Two batches that share an account run one after the other, so within one process they never
 * race to open the same alert; batches of other accounts run side by side. Across replicas the
 * unique open-alert constraint settles such a race (the losing transaction rolls back and its feed
 * retries from the stored cursor).
 */
public final class AccountReconciler {
  private final Database database;
  private final RuleStore rules;
  private final ScoreStore scores;
  private final SignalsReader signals;
  private final AlertLifecycle lifecycle;
  private final AlertEventSink sink;
  private final AccountLocks locks;
  private final Clock clock;

  public AccountReconciler(Database database, RuleStore rules, ScoreStore scores, SignalsReader signals,
      AlertLifecycle lifecycle, AlertEventSink sink, AccountLocks locks, Clock clock) {
    this.database = database;
    this.rules = rules;
    this.scores = scores;
    this.signals = signals;
    this.lifecycle = lifecycle;
    this.sink = sink;
    this.locks = locks;
    this.clock = clock;
  }

  /** The caller's part of a batch's transaction; it reconciles accounts through {@code pass}. */
  @FunctionalInterface
  public interface Work<R> {
    R apply(Connection c, Pass pass) throws SQLException;
  }

  /**
   * Runs {@code work} for a batch of {@code accountIds}: prefetch, lock, one transaction, wake-up.
   * The work may reconcile only accounts of {@code accountIds} (they are the ones locked and read).
   */
  public <R> R run(Collection<String> accountIds, Work<R> work) {
    return run(accountIds, rule -> true, work);
  }

  /**
   * The same, evaluating only the rules that {@code which} accepts, and reading ahead only what
   * those read (the scores feed leaves out the rules a score cannot change, and with them their
   * feature reads).
   */
  public <R> R run(Collection<String> accountIds, Predicate<Rule> which, Work<R> work) {
    Prefetched prefetched = prefetch(accountIds, which);
    boolean[] appended = {false};
    R result;
    try (AccountLocks.Held held = locks.lock(accountIds)) {
      result = database.inTransaction(c -> {
        Pass pass = new Pass(c, rules.list(c).stream().filter(which).toList(), prefetched);
        R r = work.apply(c, pass);
        appended[0] = pass.appended;
        return r;
      });
    }
    if (appended[0]) {
      sink.wakeUp();
    }
    return result;
  }

  /** Evaluations inside one transaction, with the rules read once at its start. */
  public final class Pass {
    private final Connection connection;
    private final List<Rule> rules;
    private final Prefetched prefetched;
    private boolean appended;

    private Pass(Connection connection, List<Rule> rules, Prefetched prefetched) {
      this.connection = connection;
      this.rules = rules;
      this.prefetched = prefetched;
    }

    /** Evaluates the account; returns true when alert events were appended. */
    public boolean reconcile(String accountId) throws SQLException {
      Optional<GetFeaturesResponse> features = prefetched.features().get(accountId);
      AccountContext ctx = features == null
          ? new AccountContext(accountId, clock.instant(), connection, scores, signals, prefetched.needs())
          : new AccountContext(accountId, clock.instant(), connection, scores, signals, features);
      boolean any = lifecycle.reconcile(connection, rules, ctx);
      appended |= any;
      return any;
    }
  }

  /**
   * Reads what a batch's evaluations ask signals-service for: the accounts not cached yet, and the
   * features the enabled rules read, in batches. Before any lock: a round trip inside it made every
   * batch sharing an account, and before striping every batch, as slow as the sum of its calls.
   */
  private Prefetched prefetch(Collection<String> accountIds, Predicate<Rule> which) {
    List<Rule> enabled = rules.list().stream().filter(r -> !r.getDisabled()).filter(which).toList();
    if (enabled.isEmpty()) {
      return Prefetched.NONE;
    }
    signals.loadAccounts(accountIds);
    FeatureNeeds needs = FeatureNeeds.of(enabled);
    return needs.needed()
        ? new Prefetched(signals.features(accountIds, needs.readProjection()), needs)
        : Prefetched.NONE;
  }

  /** Features read ahead of a batch, by account; an account not in the map is read when asked. */
  private record Prefetched(Map<String, Optional<GetFeaturesResponse>> features, FeatureNeeds needs) {
    static final Prefetched NONE = new Prefetched(Map.of(), FeatureNeeds.NONE);
  }
}
