package io.healthscore.alerting.feed;

import io.healthscore.alerting.alert.AlertLifecycle;
import io.healthscore.alerting.engine.AccountContext;
import io.healthscore.alerting.engine.ScoreStore;
import io.healthscore.alerting.engine.SignalsReader;
import io.healthscore.alerting.rule.RuleStore;
import java.sql.Connection;
import java.sql.SQLException;
import io.healthscore.v1.Condition;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.Rule;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Re-evaluates every rule on one account inside the caller's transaction. Both feeds go through
 * here and hold {@link #lock()} around their transactions, so within one process they never race
 * to open the same alert; across replicas the unique open-alert constraint settles such a race
 * (the losing transaction rolls back and its feed retries from the stored cursor).
 */
public final class AccountReconciler {
  private final RuleStore rules;
  private final ScoreStore scores;
  private final SignalsReader signals;
  private final AlertLifecycle lifecycle;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();

  public AccountReconciler(RuleStore rules, ScoreStore scores, SignalsReader signals, AlertLifecycle lifecycle,
      Clock clock) {
    this.rules = rules;
    this.scores = scores;
    this.signals = signals;
    this.lifecycle = lifecycle;
    this.clock = clock;
  }

  /** The lock to hold around a transaction that reconciles accounts. */
  public ReentrantLock lock() {
    return lock;
  }

  /**
   * Starts evaluating accounts inside the caller's transaction, with the rules read once, here: a
   * batch of a feed then reads and parses them once instead of once per account.
   */
  public Pass begin(Connection c, Prefetched prefetched) throws SQLException {
    return new Pass(c, rules.list(c), prefetched);
  }

  /** Evaluations inside one transaction with the rules read at its start. */
  public final class Pass {
    private final Connection connection;
    private final List<Rule> rules;
    private final Prefetched prefetched;

    private Pass(Connection connection, List<Rule> rules, Prefetched prefetched) {
      this.connection = connection;
      this.rules = rules;
      this.prefetched = prefetched;
    }

    /** Evaluates the account; returns true when alert events were appended. */
    public boolean reconcile(String accountId) throws SQLException {
      Optional<GetFeaturesResponse> features = prefetched.features().get(accountId);
      AccountContext ctx = features == null
          ? new AccountContext(accountId, clock.instant(), connection, scores, signals)
          : new AccountContext(accountId, clock.instant(), connection, scores, signals, features);
      return lifecycle.reconcile(connection, rules, ctx);
    }
  }

  /**
   * Reads what a batch's evaluations ask signals-service for, concurrently: the accounts not cached
   * yet, and the features when an enabled rule has a signal condition. Call it before taking
   * {@link #lock()}: one round trip after another inside the lock made every feed batch, and the
   * other feed waiting on it, as slow as the sum of its calls.
   */
  public Prefetched prefetch(Collection<String> accountIds) {
    List<Rule> enabled = rules.list().stream().filter(r -> !r.getDisabled()).toList();
    if (enabled.isEmpty()) {
      return Prefetched.NONE;
    }
    signals.loadAccounts(accountIds);
    boolean needed = enabled.stream().anyMatch(r -> readsFeatures(r.getCondition()));
    return needed ? new Prefetched(signals.features(accountIds)) : Prefetched.NONE;
  }

  private static boolean readsFeatures(Condition condition) {
    return switch (condition.getKindCase()) {
      case SIGNAL -> true;
      case ALL_OF -> condition.getAllOf().getConditionsList().stream().anyMatch(AccountReconciler::readsFeatures);
      case ANY_OF -> condition.getAnyOf().getConditionsList().stream().anyMatch(AccountReconciler::readsFeatures);
      default -> false;
    };
  }

  /** Features read ahead of a batch, by account; an account not in the map is read when asked. */
  public record Prefetched(Map<String, Optional<GetFeaturesResponse>> features) {
    public static final Prefetched NONE = new Prefetched(Map.of());
  }
}
