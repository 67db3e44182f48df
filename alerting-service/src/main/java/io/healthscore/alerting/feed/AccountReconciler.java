package io.healthscore.alerting.feed;

import io.healthscore.alerting.alert.AlertLifecycle;
import io.healthscore.alerting.engine.AccountContext;
import io.healthscore.alerting.engine.ScoreStore;
import io.healthscore.alerting.engine.SignalsReader;
import io.healthscore.alerting.rule.RuleStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
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

  /** Evaluates the account; returns true when alert events were appended. */
  public boolean reconcile(Connection c, String accountId) throws SQLException {
    AccountContext ctx = new AccountContext(accountId, clock.instant(), c, scores, signals);
    return lifecycle.reconcile(c, rules.list(c), ctx);
  }
}
