package io.healthscore.runtime.error;

import io.grpc.Status;

/** The named resource does not exist. */
public class NotFoundException extends ApiException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message) {
    super(Status.Code.NOT_FOUND, message);
  }

  public NotFoundException(String message, Throwable cause) {
    super(Status.Code.NOT_FOUND, message, cause);
  }
}
