package io.healthscore.alerting.feed;

import io.healthscore.alerting.alert.AlertEventSink;
import io.healthscore.alerting.engine.ScoreStore;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.ScoreChange;
import java.util.List;

/**
 * Applies scoring-service's WatchScores changes: each change is stored (latest score, history
 * point) and the account's rules are evaluated; a batch of changes and its cursor commit together,
 * so the stream's follower (wired in AlertingServer) resumes after the last batch applied.
 */
public final class ScoresFeedConsumer {
  public static final String CONSUMER = "alerting.scores";

  private final Database database;
  private final ScoreStore scores;
  private final AccountReconciler reconciler;
  private final CursorStore cursors;
  private final AlertEventSink sink;

  public ScoresFeedConsumer(Database database, CursorStore cursors, ScoreStore scores, AccountReconciler reconciler,
      AlertEventSink sink) {
    this.database = database;
    this.cursors = cursors;
    this.scores = scores;
    this.reconciler = reconciler;
    this.sink = sink;
  }

  /** Applies one change; tests drive the consumer this way when it does not follow the stream. */
  public void handle(ScoreChange change) {
    handle(List.of(change));
  }

  /** Applies changes in one transaction that also saves the last change's cursor. */
  public void handle(List<ScoreChange> batch) {
    AccountReconciler.Prefetched prefetched =
        reconciler.prefetch(batch.stream().map(ScoresFeedConsumer::accountOf).toList());
    boolean appended;
    reconciler.lock().lock();
    try {
      appended = database.inTransaction(c -> {
        AccountReconciler.Pass pass = reconciler.begin(c, prefetched);
        boolean any = false;
        for (ScoreChange change : batch) {
          scores.record(c, change);
          any |= pass.reconcile(accountOf(change));
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
  }

  private static String accountOf(ScoreChange change) {
    return change.getAccountId().isEmpty() ? change.getCurrent().getAccountId() : change.getAccountId();
  }
}
