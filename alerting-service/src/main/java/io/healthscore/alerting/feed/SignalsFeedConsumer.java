package io.healthscore.alerting.feed;

import io.healthscore.alerting.alert.AlertEventSink;
import io.healthscore.alerting.engine.SignalsReader;
import io.healthscore.alerting.quality.OutcomeJudge;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.Outcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies signals-service's WatchChanges: an edited account is dropped from the account cache, a new
 * outcome judges the account's earlier alerts, and the account's rules are evaluated again (signal
 * conditions, renewal dates, scope); a batch of changes and its cursor commit together, so the
 * stream's follower (wired in AlertingServer) resumes after the last batch applied.
 */
public final class SignalsFeedConsumer {
  public static final String CONSUMER = "alerting.signals";

  private final Database database;
  private final CursorStore cursors;
  private final SignalsReader signals;
  private final OutcomeJudge judge;
  private final AccountReconciler reconciler;
  private final AlertEventSink sink;
  private final Runnable verdictsChanged;

  public SignalsFeedConsumer(Database database, CursorStore cursors, SignalsReader signals, OutcomeJudge judge,
      AccountReconciler reconciler, AlertEventSink sink, Runnable verdictsChanged) {
    this.database = database;
    this.cursors = cursors;
    this.signals = signals;
    this.judge = judge;
    this.reconciler = reconciler;
    this.sink = sink;
    this.verdictsChanged = verdictsChanged;
  }

  /** Applies one change; tests drive the consumer this way when it does not follow the stream. */
  public void handle(AccountChange change) {
    handle(List.of(change));
  }

  /** Applies changes in one transaction that also saves the last change's cursor. */
  public void handle(List<AccountChange> batch) {
    // Read outside the transaction: a slow signals-service must not hold database locks.
    Map<String, List<Outcome>> outcomes = new HashMap<>();
    for (AccountChange change : batch) {
      if (change.getKindsList().contains(ChangeKind.CHANGE_KIND_ACCOUNT)) {
        signals.invalidate(change.getAccountId());
      }
      if (change.getKindsList().contains(ChangeKind.CHANGE_KIND_OUTCOME)) {
        outcomes.computeIfAbsent(change.getAccountId(), signals::outcomes);
      }
    }
    AccountReconciler.Prefetched prefetched =
        reconciler.prefetch(batch.stream().map(AccountChange::getAccountId).toList());
    int[] judged = new int[1];
    boolean appended;
    reconciler.lock().lock();
    try {
      appended = database.inTransaction(c -> {
        judged[0] = 0;
        AccountReconciler.Pass pass = reconciler.begin(c, prefetched);
        boolean any = false;
        for (AccountChange change : batch) {
          List<Outcome> accountOutcomes = outcomes.get(change.getAccountId());
          if (accountOutcomes != null) {
            judged[0] += judge.judge(c, change.getAccountId(), accountOutcomes);
          }
          any |= pass.reconcile(change.getAccountId());
        }
        cursors.save(c, CONSUMER, batch.get(batch.size() - 1).getCursor());
        return any;
      });
    } finally {
      reconciler.lock().unlock();
    }
    if (appended) {
      sink.wakeUp();
    }
    if (judged[0] > 0) {
      verdictsChanged.run();
    }
  }
}
