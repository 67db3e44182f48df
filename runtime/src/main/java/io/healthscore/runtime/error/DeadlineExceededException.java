package io.healthscore.runtime.error;

import io.grpc.Status;

/**
 * The caller gave up (its deadline passed, or it cancelled) before the work was committed, so it
 * was not done: nothing was stored, and a retry is safe. The client rarely sees this status, since
 * it has stopped waiting; what matters is that the server stops.
 */
public class DeadlineExceededException extends ApiException {
  private static final long serialVersionUID = 1L;

  public DeadlineExceededException(String message) {
    super(Status.Code.DEADLINE_EXCEEDED, message);
  }
}
