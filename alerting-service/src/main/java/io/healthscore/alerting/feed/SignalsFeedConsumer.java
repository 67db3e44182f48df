package io.healthscore.alerting.feed;

import io.healthscore.alerting.alert.AlertEventSink;
import io.healthscore.alerting.engine.SignalsReader;
import io.healthscore.alerting.quality.OutcomeJudge;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.SignalServiceGrpc.SignalServiceBlockingStub;
import io.healthscore.v1.WatchChangesRequest;
import io.healthscore.v1.WatchChangesResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Follows signals-service's WatchChanges: an edited account is dropped from the account cache, a new
 * outcome judges the account's earlier alerts, and the account's rules are evaluated again (signal
 * conditions, renewal dates, scope), with the cursor saved in the same transaction.
 */
public final class SignalsFeedConsumer extends FeedFollower {
  public static final String CONSUMER = "alerting.signals";

  private final Database database;
  private final CursorStore cursors;
  private final SignalServiceBlockingStub signalsStream;
  private final SignalsReader signals;
  private final OutcomeJudge judge;
  private final AccountReconciler reconciler;
  private final AlertEventSink sink;
  private final Runnable verdictsChanged;

  public SignalsFeedConsumer(Database database, CursorStore cursors, SignalServiceBlockingStub signalsStream,
      SignalsReader signals, OutcomeJudge judge, AccountReconciler reconciler, AlertEventSink sink,
      Runnable verdictsChanged, Duration maxBackoff) {
    super(CONSUMER, cursors, maxBackoff);
    this.database = database;
    this.cursors = cursors;
    this.signalsStream = signalsStream;
    this.signals = signals;
    this.judge = judge;
    this.reconciler = reconciler;
    this.sink = sink;
    this.verdictsChanged = verdictsChanged;
  }

  @Override
  void follow(long cursor) {
    Iterator<WatchChangesResponse> stream =
        signalsStream.watchChanges(WatchChangesRequest.newBuilder().setAfterCursor(cursor).build());
    while (!closed() && stream.hasNext()) {
      handle(stream.next().getChange());
      progressed();
    }
  }

  /** Applies one change; public so tests can drive the consumer without a stream. */
  public void handle(AccountChange change) {
    String account = change.getAccountId();
    if (change.getKindsList().contains(ChangeKind.CHANGE_KIND_ACCOUNT)) {
      signals.invalidate(account);
    }
    // Read outside the transaction: a slow signals-service must not hold database locks.
    List<Outcome> outcomes =
        change.getKindsList().contains(ChangeKind.CHANGE_KIND_OUTCOME) ? signals.outcomes(account) : List.of();
    ReentrantLock lock = reconciler.lockFor(account);
    lock.lock();
    int[] judged = new int[1];
    boolean appended;
    try {
      appended = database.inTransaction(c -> {
        judged[0] = outcomes.isEmpty() ? 0 : judge.judge(c, account, outcomes);
        boolean any = reconciler.reconcile(c, account);
        cursors.save(c, CONSUMER, change.getCursor());
        return any;
      });
    } finally {
      lock.unlock();
    }
    if (appended) {
      sink.wakeUp();
    }
    if (judged[0] > 0) {
      verdictsChanged.run();
    }
  }
}
