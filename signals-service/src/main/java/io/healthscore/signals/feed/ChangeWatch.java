package io.healthscore.signals.feed;

import io.grpc.stub.ServerCallStreamObserver;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.signals.store.ChangeEntry;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One WatchChanges stream. Sends entries in cursor order straight from the change feed table, only
 * while the client's transport is ready (so a slow reader holds at most one page in memory), and
 * ends on cancel or when the feed drains at shutdown.
 *
 * <p>All sending happens in {@link #drain}, which the work-in-progress counter keeps to one thread
 * at a time; {@link #wake} from any thread (new entries, transport ready, shutdown) makes it run
 * again.
 */
final class ChangeWatch<T> {
  private static final int PAGE = 256;

  private final ServerCallStreamObserver<T> observer;
  private final ChangeFeed feed;
  private final Function<ChangeEntry, T> toMessage;
  private final Executor executor;
  private final AtomicInteger wip = new AtomicInteger();
  private final ArrayDeque<ChangeEntry> page = new ArrayDeque<>();
  private long lastSent;
  private volatile boolean cancelled;
  private volatile boolean ending;
  private boolean done;

  ChangeWatch(
      ServerCallStreamObserver<T> observer,
      long afterCursor,
      ChangeFeed feed,
      Function<ChangeEntry, T> toMessage,
      Executor executor) {
    this.observer = observer;
    this.lastSent = afterCursor;
    this.feed = feed;
    this.toMessage = toMessage;
    this.executor = executor;
  }

  void start() {
    observer.setOnCancelHandler(
        () -> {
          cancelled = true;
          feed.forget(this);
        });
    observer.setOnReadyHandler(this::wake);
    wake();
  }

  /** Asks for the stream to end cleanly after what is already being sent. */
  void end() {
    ending = true;
    wake();
  }

  void wake() {
    if (wip.getAndIncrement() == 0) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    int missed = 1;
    while (true) {
      try {
        pump();
      } catch (RuntimeException e) {
        finish();
        if (!cancelled) {
          observer.onError(ApiErrors.toStatusException(e));
        }
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void pump() {
    while (!done) {
      if (cancelled) {
        finish();
        return;
      }
      if (ending) {
        finish();
        observer.onCompleted();
        return;
      }
      if (!observer.isReady()) {
        return;
      }
      if (page.isEmpty()) {
        if (lastSent >= feed.lastCursor()) {
          return;
        }
        page.addAll(feed.store().after(lastSent, PAGE));
        if (page.isEmpty()) {
          return;
        }
      }
      ChangeEntry entry = page.poll();
      observer.onNext(toMessage.apply(entry));
      lastSent = entry.cursor();
    }
  }

  private void finish() {
    if (!done) {
      done = true;
      feed.forget(this);
    }
  }
}
