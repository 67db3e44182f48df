package io.healthscore.runtime.error;

import io.grpc.Status;

/** The request is valid but the system is not in a state to run it (e.g. no model calibrated yet). */
public class FailedPreconditionException extends ApiException {
  private static final long serialVersionUID = 1L;

  public FailedPreconditionException(String message) {
    super(Status.Code.FAILED_PRECONDITION, message);
  }

  public FailedPreconditionException(String message, Throwable cause) {
    super(Status.Code.FAILED_PRECONDITION, message, cause);
  }
}
