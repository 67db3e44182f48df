package io.healthscore.runtime.error;

import io.grpc.Status;

/**
 * The service cannot do this now (a component it needs has stopped); clients retry, elsewhere or
 * later. Health turns NOT_SERVING alongside, so probes restart the process.
 */
public class UnavailableException extends ApiException {
  private static final long serialVersionUID = 1L;

  public UnavailableException(String message) {
    super(Status.Code.UNAVAILABLE, message);
  }

  public UnavailableException(String message, Throwable cause) {
    super(Status.Code.UNAVAILABLE, message, cause);
  }
}
