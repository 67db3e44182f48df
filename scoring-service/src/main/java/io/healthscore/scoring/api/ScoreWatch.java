package io.healthscore.scoring.api;

import io.grpc.stub.ServerCallStreamObserver;
import io.healthscore.scoring.store.ScoreChangeLog;
import io.healthscore.v1.ScoreChange;
import io.healthscore.v1.WatchScoresResponse;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One WatchScores stream: replays the log after the client's cursor, then follows it. Reading and
 * following are the same loop (read what is after the last cursor sent), so there is no gap
 * between replay and live. Sends only while the transport is ready: a slow client holds back its
 * own stream, never the server's memory.
 */
final class ScoreWatch {
  private static final int READ_BATCH = 500;

  private final ServerCallStreamObserver<WatchScoresResponse> out;
  private final ScoreChangeLog log;
  private final Executor executor;
  private final Runnable onEnd;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Runnable wake = this::schedule;
  private volatile boolean ended;
  private long after;

  ScoreWatch(
      ServerCallStreamObserver<WatchScoresResponse> out, long afterCursor, ScoreChangeLog log, Executor executor,
      Runnable onEnd) {
    this.out = out;
    this.after = afterCursor;
    this.log = log;
    this.executor = executor;
    this.onEnd = onEnd;
  }

  void start() {
    out.setOnCancelHandler(this::end);
    out.setOnReadyHandler(this::schedule);
    log.addListener(wake);
    schedule();
  }

  /** Ends the stream normally (server draining): clients reconnect with their last cursor. */
  void complete() {
    if (!ended) {
      end();
      synchronized (this) {
        try {
          out.onCompleted();
        } catch (RuntimeException alreadyClosed) {
          // the call ended meanwhile
        }
      }
    }
  }

  private void end() {
    ended = true;
    log.removeListener(wake);
    onEnd.run();
  }

  private void schedule() {
    if (!ended && scheduled.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private synchronized void drain() {
    scheduled.set(false);
    try {
      while (!ended && out.isReady()) {
        List<ScoreChange> batch = log.read(after, READ_BATCH);
        if (batch.isEmpty()) {
          return;
        }
        for (ScoreChange change : batch) {
          if (ended) {
            return;
          }
          out.onNext(WatchScoresResponse.newBuilder().setChange(change).build());
          after = change.getCursor();
        }
      }
    } catch (RuntimeException e) {
      if (!ended) {
        end();
        out.onError(io.healthscore.runtime.error.ApiErrors.toStatusException(e));
      }
    }
  }
}
