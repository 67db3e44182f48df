package io.healthscore.alerting.feed;

import io.healthscore.alerting.alert.AlertEventSink;
import io.healthscore.alerting.engine.ScoreStore;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.ScoreChange;
import io.healthscore.v1.ScoringServiceGrpc.ScoringServiceBlockingStub;
import io.healthscore.v1.WatchScoresRequest;
import io.healthscore.v1.WatchScoresResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Follows scoring-service's WatchScores: each change is stored (latest score, history point), the
 * account's rules are evaluated, and the cursor saved, all in one transaction.
 */
public final class ScoresFeedConsumer extends FeedFollower {
  public static final String CONSUMER = "alerting.scores";

  private final Database database;
  private final ScoringServiceBlockingStub scoring;
  private final ScoreStore scores;
  private final AccountReconciler reconciler;
  private final CursorStore cursors;
  private final AlertEventSink sink;

  public ScoresFeedConsumer(Database database, CursorStore cursors, ScoringServiceBlockingStub scoring,
      ScoreStore scores, AccountReconciler reconciler, AlertEventSink sink, Duration maxBackoff) {
    super(CONSUMER, cursors, maxBackoff);
    this.database = database;
    this.cursors = cursors;
    this.scoring = scoring;
    this.scores = scores;
    this.reconciler = reconciler;
    this.sink = sink;
  }

  @Override
  void follow(long cursor) {
    Iterator<WatchScoresResponse> stream =
        scoring.watchScores(WatchScoresRequest.newBuilder().setAfterCursor(cursor).build());
    while (!closed() && stream.hasNext()) {
      handle(stream.next().getChange());
      progressed();
    }
  }

  /** Applies one change; public so tests can drive the consumer without a stream. */
  public void handle(ScoreChange change) {
    String account = change.getAccountId().isEmpty() ? change.getCurrent().getAccountId() : change.getAccountId();
    ReentrantLock lock = reconciler.lockFor(account);
    lock.lock();
    boolean appended;
    try {
      appended = database.inTransaction(c -> {
        scores.record(c, change);
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
  }
}
