package io.healthscore.runtime.error;

import io.grpc.Status;

/** The service is overloaded or a quota is used up; clients should back off and retry. */
public class ResourceExhaustedException extends ApiException {
  private static final long serialVersionUID = 1L;

  public ResourceExhaustedException(String message) {
    super(Status.Code.RESOURCE_EXHAUSTED, message);
  }

  public ResourceExhaustedException(String message, Throwable cause) {
    super(Status.Code.RESOURCE_EXHAUSTED, message, cause);
  }
}
