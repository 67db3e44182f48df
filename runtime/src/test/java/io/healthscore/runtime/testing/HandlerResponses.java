package io.healthscore.runtime.testing;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a handler sends when a test calls it directly, without a transport (say, inside a context
 * the test cancelled): its messages, and how it ended. Serves unary and streaming handlers; the
 * transport is always ready and flow control is a no-op.
 */
public final class HandlerResponses<T> extends ServerCallStreamObserver<T> {
  private final List<T> messages = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Throwable> done = new CompletableFuture<>();

  /** The messages sent so far. */
  public List<T> messages() {
    return List.copyOf(messages);
  }

  /** Completes with null when the handler ended OK, else with its failure. */
  public CompletableFuture<Throwable> done() {
    return done;
  }

  @Override
  public void onNext(T value) {
    messages.add(value);
  }

  @Override
  public void onError(Throwable t) {
    done.complete(t);
  }

  @Override
  public void onCompleted() {
    done.complete(null);
  }

  @Override
  public boolean isCancelled() {
    return false;
  }

  @Override
  public void setOnCancelHandler(Runnable onCancel) {}

  @Override
  public void setCompression(String compression) {}

  @Override
  public void disableAutoRequest() {}

  @Override
  public void disableAutoInboundFlowControl() {}

  @Override
  public boolean isReady() {
    return true;
  }

  @Override
  public void setOnReadyHandler(Runnable onReady) {}

  @Override
  public void request(int count) {}

  @Override
  public void setMessageCompression(boolean enable) {}
}
