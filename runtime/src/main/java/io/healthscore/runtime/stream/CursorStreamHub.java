package io.healthscore.runtime.stream;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.concurrent.DaemonThreads;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The resumable server streams of one {@link CursorLog} (WatchChanges, WatchScores,
 * SubscribeAlerts): each replays the entries after the client's cursor, then follows new ones, with
 * flow control, until the client cancels or the server drains (see docs/decisions/004).
 *
 * <p>The owner of the log calls {@link #wakeAll} after entries are committed (and on a poll for
 * entries other replicas wrote); a wake-up only tells streams to read again, so a missed or extra
 * one costs nothing but a read. {@link #endAll} ends every stream cleanly (OK) so clients reconnect
 * with their last cursor.
 */
public final class CursorStreamHub<E> implements AutoCloseable {
  private final CursorLog<E> log;
  private final ExecutorService executor;
  private final Set<CursorStream<E, ?>> streams = ConcurrentHashMap.newKeySet();
  private volatile boolean ended;

  /** {@code name} names the threads that send. */
  public CursorStreamHub(String name, CursorLog<E> log) {
    this.log = log;
    this.executor = Executors.newCachedThreadPool(DaemonThreads.named(name));
  }

  /**
   * Streams the entries after {@code afterCursor} to {@code observer} (a server call's observer),
   * then follows new ones. Call from the service method; it returns at once.
   */
  public <M> void open(long afterCursor, StreamObserver<M> observer, Function<E, M> toMessage) {
    ServerCallStreamObserver<M> call = (ServerCallStreamObserver<M>) observer;
    if (ended) {
      call.onCompleted();
      return;
    }
    CursorStream<E, M> stream = new CursorStream<>(call, afterCursor, log, toMessage, executor, streams::remove);
    streams.add(stream);
    stream.start();
    if (ended) {
      stream.end(); // endAll ran between the check and the add
    }
  }

  /** Tells every stream that the log may have grown. */
  public void wakeAll() {
    streams.forEach(CursorStream::wake);
  }

  /** Ends every stream cleanly, now and for streams opened later. */
  public void endAll() {
    ended = true;
    streams.forEach(CursorStream::end);
  }

  /** Streams open right now. */
  public int activeCount() {
    return streams.size();
  }

  /** Ends every stream and stops the sending threads once they have sent their end. */
  @Override
  public void close() {
    endAll();
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
