package io.healthscore.runtime.stream;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A server call's observer whose transport readiness the test decides; records what is sent. */
final class FakeServerCall extends ServerCallStreamObserver<Long> {
  final List<Long> sent = new CopyOnWriteArrayList<>();
  final AtomicInteger readyChecks = new AtomicInteger();
  volatile boolean ready = true;
  volatile boolean completed;
  volatile Throwable error;
  private volatile Runnable onReady = () -> {};
  private volatile Runnable onCancel = () -> {};

  void becomeReady() {
    ready = true;
    onReady.run();
  }

  void cancelByClient() {
    onCancel.run();
  }

  @Override
  public boolean isReady() {
    readyChecks.incrementAndGet();
    return ready;
  }

  @Override
  public void setOnReadyHandler(Runnable handler) {
    onReady = handler;
  }

  @Override
  public void setOnCancelHandler(Runnable handler) {
    onCancel = handler;
  }

  @Override
  public void onNext(Long value) {
    sent.add(value);
  }

  @Override
  public void onError(Throwable t) {
    error = t;
  }

  @Override
  public void onCompleted() {
    completed = true;
  }

  @Override
  public boolean isCancelled() {
    return false;
  }

  @Override
  public void setCompression(String compression) {}

  @Override
  public void disableAutoInboundFlowControl() {}

  @Override
  public void request(int count) {}

  @Override
  public void setMessageCompression(boolean enable) {}
}
