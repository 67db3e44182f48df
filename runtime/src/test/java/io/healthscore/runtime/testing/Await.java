package io.healthscore.runtime.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for what another thread or service does. The time limit only bounds a hung test; it is no
 * speed check (those are benchmarks).
 */
public final class Await {
  /** Long enough for a loaded CI machine. */
  public static final Duration DEFAULT_LIMIT = Duration.ofSeconds(30);

  private Await() {}

  /** Polls {@code condition} until it holds; fails naming {@code what} after {@link #DEFAULT_LIMIT}. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, DEFAULT_LIMIT, condition);
  }

  public static void until(String what, Duration limit, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up after " + limit.toSeconds() + " s waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }
}
