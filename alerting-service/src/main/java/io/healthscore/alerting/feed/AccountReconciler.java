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
 * here; evaluations of the same account are serialized (striped locks) so the two feeds do not race
 * to open the same alert, which the unique constraint would otherwise have to reject.
 */
public final class AccountReconciler {
  private static final int STRIPES = 64;

  private final RuleStore rules;
  private final ScoreStore scores;
  private final SignalsReader signals;
  private final AlertLifecycle lifecycle;
  private final Clock clock;
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

  public AccountReconciler(RuleStore rules, ScoreStore scores, SignalsReader signals, AlertLifecycle lifecycle,
      Clock clock) {
    this.rules = rules;
    this.scores = scores;
    this.signals = signals;
    this.lifecycle = lifecycle;
    this.clock = clock;
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  /** The lock to hold around a transaction that reconciles {@code accountId}. */
  public ReentrantLock lockFor(String accountId) {
    return locks[Math.floorMod(accountId.hashCode(), STRIPES)];
  }

  /** Evaluates the account; returns true when alert events were appended. */
  public boolean reconcile(Connection c, String accountId) throws SQLException {
    AccountContext ctx = new AccountContext(accountId, clock.instant(), c, scores, signals);
    return lifecycle.reconcile(c, rules.list(c), ctx);
  }
}
