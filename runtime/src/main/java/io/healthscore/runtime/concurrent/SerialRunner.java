package io.healthscore.runtime.concurrent;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a task on an executor one run at a time: a request while it runs makes it run once more
 * afterwards, so no request is lost and the task never runs concurrently with itself. Stream pumps
 * use it to be woken from any thread (new data, transport ready, cancel) without calling a
 * StreamObserver from two threads.
 */
public final class SerialRunner {
  private final Executor executor;
  private final Runnable task;
  private final AtomicInteger requests = new AtomicInteger();

  /** {@code task} should not throw; what it throws ends that run only. */
  public SerialRunner(Executor executor, Runnable task) {
    this.executor = executor;
    this.task = task;
  }

  /** Makes the task run (again) soon; false if the executor refused it (shutting down). */
  public boolean request() {
    if (requests.getAndIncrement() == 0) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException stopped) {
        requests.set(0);
        return false;
      }
    }
    return true;
  }

  private void drain() {
    int missed = 1;
    while (true) {
      task.run();
      missed = requests.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }
}
