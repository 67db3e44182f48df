package io.healthscore.runtime.error;

import io.grpc.Status;

/**
 * An error a handler foresaw. Throwing one (or passing it to {@code onError}) ends the call with
 * the matching gRPC status and the message as description, so clients never see UNKNOWN for it.
 */
public abstract class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;

  protected ApiException(Status.Code code, String message) {
    super(message);
    this.code = code;
  }

  protected ApiException(Status.Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The gRPC status code clients receive. */
  public Status.Code code() {
    return code;
  }
}
