package io.healthscore.alerting.fakes;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A resumable stream for fake servers: items get increasing cursors, a watcher receives every item
 * after its cursor and then follows new ones; {@link #breakStreams} ends every watcher with
 * UNAVAILABLE, as a restarting server would.
 */
final class FeedBroadcaster<T, R> {
  private final List<T> items = new ArrayList<>();
  private final List<StreamObserver<R>> watchers = new ArrayList<>();
  private final ToLongFunction<T> cursorOf;
  private final java.util.function.Function<T, R> wrap;

  FeedBroadcaster(ToLongFunction<T> cursorOf, java.util.function.Function<T, R> wrap) {
    this.cursorOf = cursorOf;
    this.wrap = wrap;
  }

  synchronized long nextCursor() {
    return items.size() + 1;
  }

  synchronized void publish(T item) {
    items.add(item);
    for (StreamObserver<R> w : List.copyOf(watchers)) {
      try {
        w.onNext(wrap.apply(item));
      } catch (RuntimeException e) {
        watchers.remove(w);
      }
    }
  }

  synchronized void watch(long afterCursor, StreamObserver<R> observer) {
    for (T item : items) {
      if (cursorOf.applyAsLong(item) > afterCursor) {
        observer.onNext(wrap.apply(item));
      }
    }
    watchers.add(observer);
    if (observer instanceof ServerCallStreamObserver<R> server) {
      server.setOnCancelHandler(() -> {
        synchronized (this) {
          watchers.remove(observer);
        }
      });
    }
  }

  synchronized int watcherCount() {
    return watchers.size();
  }

  synchronized void breakStreams() {
    for (StreamObserver<R> w : watchers) {
      try {
        w.onError(Status.UNAVAILABLE.withDescription("fake restart").asRuntimeException());
      } catch (RuntimeException ignored) {
        // already cancelled by the client
      }
    }
    watchers.clear();
  }
}
