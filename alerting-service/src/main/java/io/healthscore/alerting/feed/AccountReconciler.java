package io.healthscore.alerting.feed;

import io.healthscore.alerting.alert.AlertLifecycle;
import io.healthscore.alerting.alert.AlertTransaction;
import io.healthscore.alerting.alert.AlertTransactions;
import io.healthscore.alerting.alert.KeySnapshot;
import io.healthscore.alerting.engine.AccountContext;
import io.healthscore.alerting.engine.FeatureNeeds;
import io.healthscore.alerting.engine.RuleEvaluator;
import io.healthscore.alerting.engine.ScoreState;
import io.healthscore.alerting.engine.ScoreStore;
import io.healthscore.alerting.engine.SignalsReader;
import io.healthscore.alerting.rule.RuleStore;
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
 * ({@link AccountLocks}), and runs the caller's work and the evaluations in one {@link
 * AlertTransactions} transaction (events appended at its end, the dispatcher woken after commit).
 *
 * <p>Two batches that share an account run one after the other, so within one process they never
 * race to open the same alert; batches of other accounts run side by side. Across replicas the
 * unique open-alert constraint settles such a race (the losing transaction rolls back and its feed
 * retries from the stored cursor).
 */
public final class AccountReconciler {
  private final AlertTransactions transactions;
  private final RuleStore rules;
  private final ScoreStore scores;
  private final SignalsReader signals;
  private final AlertLifecycle lifecycle;
  private final AccountLocks locks;
  private final Clock clock;

  public AccountReconciler(AlertTransactions transactions, RuleStore rules, ScoreStore scores, SignalsReader signals,
      AlertLifecycle lifecycle, AccountLocks locks, Clock clock) {
    this.transactions = transactions;
    this.rules = rules;
    this.scores = scores;
    this.signals = signals;
    this.lifecycle = lifecycle;
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
   * The work may reconcile only accounts of {@code accountIds} (they are the ones locked and read),
   * and records no score: the accounts' scores are read once for the batch, at the start of the
   * transaction.
   */
  public <R> R run(Collection<String> accountIds, Work<R> work) {
    return run(accountIds, rule -> true, true, work);
  }

  /**
   * The same for work that records scores before it reconciles (the scores feed): each evaluation
   * reads its account's scores as recorded so far. Only the rules that {@code which} accepts are
   * evaluated, and only what those read is read ahead (the scores feed leaves out the rules a score
   * cannot change, and with them their feature reads); when no enabled rule is accepted, no
   * account is held either.
   */
  public <R> R runRecordingScores(Collection<String> accountIds, Predicate<Rule> which, Work<R> work) {
    return run(accountIds, which, false, work);
  }

  /**
   * With {@code scoresAhead}, the accounts' scores are read at the start of the transaction, a
   * few statements for the batch, instead of per evaluation: only for work that records no score.
   */
  private <R> R run(Collection<String> accountIds, Predicate<Rule> which, boolean scoresAhead, Work<R> work) {
    List<Rule> enabled = rules.list().stream()
        .filter(r -> !r.getDisabled() && !RuleEvaluator.watchesModel(r)).filter(which).toList();
    if (enabled.isEmpty()) {
      // No rule to evaluate (a score change while only signal rules are enabled, say): no evaluation
      // to keep apart from another batch's, so no account is held and none is evaluated, even if a
      // rule is enabled meanwhile (the next change or the sweep evaluates it).
      return transactions.run(tx -> work.apply(tx.connection(),
          new Pass(tx, List.of(), Prefetched.NONE, KeySnapshot.NONE, Map.of())));
    }
    Prefetched prefetched = prefetch(accountIds, enabled);
    try (AccountLocks.Held held = locks.lock(accountIds)) {
      return transactions.run(tx -> {
        List<Rule> passRules = rules.list(tx.connection()).stream().filter(which).toList();
        KeySnapshot known = lifecycle.snapshot(tx.connection(), passRules, accountIds);
        Map<String, List<ScoreState>> scoresRead = scoresAhead ? scores.scores(tx.connection(), accountIds) : Map.of();
        return work.apply(tx.connection(), new Pass(tx, passRules, prefetched, known, scoresRead));
      });
    }
  }

  /** Evaluations inside one transaction, with the rules read once at its start. */
  public final class Pass {
    private final AlertTransaction tx;
    private final List<Rule> rules;
    private final Prefetched prefetched;
    private final KeySnapshot known;
    /** Scores read at the start of the transaction, by account; an account not in it reads its own. */
    private final Map<String, List<ScoreState>> scoresRead;

    private Pass(AlertTransaction tx, List<Rule> rules, Prefetched prefetched, KeySnapshot known,
        Map<String, List<ScoreState>> scoresRead) {
      this.tx = tx;
      this.rules = rules;
      this.prefetched = prefetched;
      this.known = known;
      this.scoresRead = scoresRead;
    }

    /** Evaluates the account; returns true when it raised alert events. */
    public boolean reconcile(String accountId) throws SQLException {
      Optional<GetFeaturesResponse> features = prefetched.features().get(accountId);
      Connection c = tx.connection();
      AccountContext ctx = features == null
          ? new AccountContext(accountId, clock.instant(), c, scores, signals, prefetched.needs())
          : new AccountContext(accountId, clock.instant(), c, scores, signals, features);
      List<ScoreState> accountScores = scoresRead.get(accountId);
      if (accountScores != null) {
        ctx.withScores(accountScores);
      }
      return lifecycle.reconcile(tx, rules, ctx, known);
    }
  }

  /**
   * Reads what a batch's evaluations ask signals-service for: the accounts not cached yet, and the
   * features the enabled rules read, in batches. Before any lock: a round trip inside it made every
   * batch sharing an account, and before striping every batch, as slow as the sum of its calls.
   */
  private Prefetched prefetch(Collection<String> accountIds, List<Rule> enabled) {
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
