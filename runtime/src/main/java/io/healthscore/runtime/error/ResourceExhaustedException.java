package io.healthscore.runtime.error;

import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;

/**
 * The service is overloaded or a quota is used up; clients should back off and retry. With a retry
 * delay, the status carries a google.rpc.RetryInfo saying when.
 */
public class ResourceExhaustedException extends ApiException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  public ResourceExhaustedException(String message) {
    this(message, (Duration) null);
  }

  public ResourceExhaustedException(String message, Throwable cause) {
    super(Status.Code.RESOURCE_EXHAUSTED, message, cause);
    this.retryAfter = null;
  }

  public ResourceExhaustedException(String message, Duration retryAfter) {
    super(Status.Code.RESOURCE_EXHAUSTED, message);
    this.retryAfter = retryAfter;
  }

  /** How long the client should wait before retrying, when the server knows. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
