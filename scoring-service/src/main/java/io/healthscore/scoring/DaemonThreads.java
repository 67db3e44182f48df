package io.healthscore.scoring;

import java.util.concurrent.ThreadFactory;

/**
 * Threads for background work (rescores, WatchScores streams, sweeps): named so a thread dump
 * says what they do, and daemons so they never keep a stopping JVM alive; each owner still shuts
 * its executor down on stop.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  public static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
