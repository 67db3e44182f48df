package io.healthscore.runtime.logging;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The log of a task that retries after failing (a stream follower, a periodic sweep): one line when
 * it starts failing, one when the kind of failure changes, one when it recovers, instead of a stack
 * trace per attempt while a database or an upstream service is down. Thread-safe.
 */
public final class FailureLog {
  private final Logger log;
  private final String task;
  private String failingKind;
  private int failures;
  private long failingSinceNanos;
  /** The wall-clock moment of the first failure of the current run, for callers that report it. */
  private Instant failingSince;

  /** {@code task} names what fails in every line, such as "retention sweep". */
  public FailureLog(Logger log, String task) {
    this.log = Objects.requireNonNull(log, "log");
    this.task = Objects.requireNonNull(task, "task");
  }

  /** Runs one attempt of the task and records how it went; a RuntimeException is recorded, not thrown. */
  public void attempt(Runnable attempt) {
    try {
      attempt.run();
    } catch (RuntimeException e) {
      failed(e);
      return;
    }
    succeeded();
  }

  /**
   * Records a failed attempt. The first failure, and the first of another kind, is logged as a
   * warning with its stack trace, unless it is a gRPC status (whose trace says nothing); repeats
   * are only counted.
   */
  public synchronized void failed(Throwable error) {
    logIfChanged(kind(error), summary(error), Status.fromThrowable(error).getCode() == Status.Code.UNKNOWN ? error : null);
  }

  /** Records a call that ended with {@code status}, which is not OK. */
  public synchronized void failed(Status status) {
    logIfChanged(status.getCode().name(), describe(status), null);
  }

  private void logIfChanged(String kind, String summary, Throwable trace) {
    failures++;
    if (kind.equals(failingKind)) {
      return;
    }
    if (failingKind == null) {
      failingSinceNanos = System.nanoTime();
      failingSince = Instant.now();
      log.warn("{} failing: {}; retrying, the next line says when it recovers", task, summary, trace);
    } else {
      log.warn("{} still failing, now: {}", task, summary, trace);
    }
    failingKind = kind;
  }

  /** Records a successful attempt; logs once that the task recovered, if it was failing. */
  public synchronized void succeeded() {
    if (failingKind == null) {
      return;
    }
    Duration down = Duration.ofNanos(System.nanoTime() - failingSinceNanos);
    log.info("{} recovered after {} failed attempt(s) over {}s", task, failures, Math.max(1, down.toSeconds()));
    failingKind = null;
    failures = 0;
  }

  /**
   * When the current run of failures began, once at least {@code attempts} attempts in a row have
   * failed; empty while the task succeeds or has failed fewer times.
   */
  public synchronized Optional<Instant> failingSince(int attempts) {
    return failingKind != null && failures >= attempts ? Optional.of(failingSince) : Optional.empty();
  }

  /** Whether the last attempt failed. */
  public synchronized boolean failing() {
    return failingKind != null;
  }

  private static String kind(Throwable error) {
    Status.Code code = Status.fromThrowable(error).getCode();
    return code == Status.Code.UNKNOWN ? error.getClass().getName() : code.name();
  }

  /** The error and its causes' messages on one line. */
  static String summary(Throwable error) {
    if (error instanceof StatusRuntimeException || error instanceof StatusException) {
      return describe(Status.fromThrowable(error));
    }
    StringBuilder out = new StringBuilder();
    Throwable t = error;
    for (int depth = 0; t != null && depth < 5; depth++, t = t.getCause() == t ? null : t.getCause()) {
      if (depth > 0) {
        out.append("; caused by ");
      }
      out.append(t.getClass().getSimpleName());
      if (t.getMessage() != null) {
        out.append(": ").append(t.getMessage());
      }
    }
    return out.toString();
  }

  private static String describe(Status status) {
    StringBuilder out = new StringBuilder(status.getCode().name());
    if (status.getDescription() != null) {
      out.append(": ").append(status.getDescription());
    }
    if (status.getCause() != null && status.getCause().getMessage() != null) {
      out.append(" (").append(status.getCause().getMessage()).append(')');
    }
    return out.toString();
  }
}
