package io.healthscore.alerting.feed;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Per-account locks: a batch holds its accounts while it evaluates them, so two batches that share
 * an account never evaluate it at once (no alert raised twice within one process), while batches
 * of other accounts proceed side by side. A batch takes all its accounts at once or waits, so two
 * batches can never wait on each other; an account is exactly itself (no stripes), so disjoint
 * batches never collide however large they are.
 */
public final class AccountLocks {
  private final Set<String> held = new HashSet<>();

  /** Waits until none of {@code accountIds} is held, then holds them all; close the result to release. */
  public synchronized Held lock(Collection<String> accountIds) {
    Set<String> wanted = new HashSet<>(accountIds);
    boolean interrupted = false;
    while (!disjoint(wanted)) {
      try {
        wait();
      } catch (InterruptedException e) {
        // Keep waiting: the caller's transaction needs the accounts; the flag is restored below.
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    held.addAll(wanted);
    return new Held(wanted);
  }

  private boolean disjoint(Set<String> wanted) {
    for (String id : wanted) {
      if (held.contains(id)) {
        return false;
      }
    }
    return true;
  }

  private synchronized void release(Set<String> accounts) {
    held.removeAll(accounts);
    notifyAll();
  }

  /** The accounts one batch holds. */
  public final class Held implements AutoCloseable {
    private final Set<String> accounts;

    private Held(Set<String> accounts) {
      this.accounts = accounts;
    }

    @Override
    public void close() {
      release(accounts);
    }
  }
}
