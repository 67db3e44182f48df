package io.healthscore.runtime.stream;

import io.grpc.stub.ServerCallStreamObserver;
import io.healthscore.runtime.concurrent.SerialRunner;
import io.healthscore.runtime.error.ApiErrors;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One resumable stream: sends the log's entries after its position, in cursor order, only while
 * the client's transport is ready (so a slow reader holds at most one page in memory), and ends on
 * cancel or, cleanly, when its hub ends it. Replay and live delivery are the same read ("what is
 * after the last cursor sent"), so nothing falls between them.
 *
 * <p>All sending happens in {@link #pump}, which a {@link SerialRunner} keeps to one thread at a
 * time (a StreamObserver must not be called concurrently); {@link #wake} from any thread (new
 * entries, transport ready, end) makes it run again.
 */
final class CursorStream<E, M> {
  static final int PAGE = 256;

  private final ServerCallStreamObserver<M> observer;
  private final CursorLog<E> log;
  private final Function<E, M> toMessage;
  private final SerialRunner runner;
  private final Consumer<Object> onFinish;
  private final ArrayDeque<E> page = new ArrayDeque<>();
  private long lastSent;
  private volatile boolean cancelled;
  private volatile boolean ending;
  private boolean done;

  CursorStream(
      ServerCallStreamObserver<M> observer,
      long afterCursor,
      CursorLog<E> log,
      Function<E, M> toMessage,
      Executor executor,
      Consumer<Object> onFinish) {
    this.observer = observer;
    this.lastSent = afterCursor;
    this.log = log;
    this.toMessage = toMessage;
    this.runner = new SerialRunner(executor, this::pumpOrFail);
    this.onFinish = onFinish;
  }

  /** Installs the handlers; call from the service method, before it returns. */
  void start() {
    observer.setOnCancelHandler(
        () -> {
          cancelled = true;
          onFinish.accept(this);
        });
    observer.setOnReadyHandler(this::wake);
    wake();
  }

  /** Asks for the stream to end cleanly (onCompleted) after what is already being sent. */
  void end() {
    ending = true;
    wake();
  }

  void wake() {
    runner.request();
  }

  private void pumpOrFail() {
    try {
      pump();
    } catch (RuntimeException e) {
      fail(e);
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
        closeQuietly(observer::onCompleted);
        return;
      }
      if (!observer.isReady()) {
        return;
      }
      if (page.isEmpty()) {
        if (lastSent >= log.lastCursor()) {
          return;
        }
        page.addAll(log.after(lastSent, PAGE));
        if (page.isEmpty()) {
          return;
        }
        continue; // look at cancel and readiness again right before sending
      }
      E entry = page.poll();
      observer.onNext(toMessage.apply(entry));
      lastSent = log.cursorOf(entry);
    }
  }

  private void fail(RuntimeException e) {
    boolean wasDone = done;
    finish();
    if (!wasDone && !cancelled) {
      // toStatusException logs what it does not pass on to the client.
      closeQuietly(() -> observer.onError(ApiErrors.toStatusException(e)));
    }
  }

  private void finish() {
    if (!done) {
      done = true;
      onFinish.accept(this);
    }
  }

  /** The client may cancel at the same moment; then there is nobody left to tell. */
  private static void closeQuietly(Runnable close) {
    try {
      close.run();
    } catch (RuntimeException alreadyClosed) {
      // the call ended meanwhile
    }
  }
}
