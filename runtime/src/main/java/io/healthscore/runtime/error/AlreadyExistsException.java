package io.healthscore.runtime.error;

import io.grpc.Status;

/** The resource the client tried to create already exists. */
public class AlreadyExistsException extends ApiException {
  private static final long serialVersionUID = 1L;

  public AlreadyExistsException(String message) {
    super(Status.Code.ALREADY_EXISTS, message);
  }

  public AlreadyExistsException(String message, Throwable cause) {
    super(Status.Code.ALREADY_EXISTS, message, cause);
  }
}
