package io.healthscore.runtime.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class DaemonThreadsTest {
  @Test
  void namedThreadsAreDaemons() {
    Thread t = DaemonThreads.named("sweeper").newThread(() -> {});
    assertEquals("sweeper", t.getName());
    assertTrue(t.isDaemon());
  }

  @Test
  void numberedThreadsCountUp() {
    ThreadFactory pool = DaemonThreads.numbered("send-");
    assertEquals("send-0", pool.newThread(() -> {}).getName());
    Thread second = pool.newThread(() -> {});
    assertEquals("send-1", second.getName());
    assertTrue(second.isDaemon());
  }
}
