package io.healthscore.runtime.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for background work (streams, sweeps, feed followers): named so a thread dump says what
 * they do, and daemons so they never keep a stopping JVM alive; each owner still shuts its executor
 * down on stop.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Every thread gets {@code name}. */
  public static ThreadFactory named(String name) {
    return r -> daemon(r, name);
  }

  /** Threads named {@code prefix} followed by 0, 1, 2, ... for pools of several threads. */
  public static ThreadFactory numbered(String prefix) {
    AtomicInteger next = new AtomicInteger();
    return r -> daemon(r, prefix + next.getAndIncrement());
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
