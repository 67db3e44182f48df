package io.healthscore.runtime.error;

import io.grpc.Status;
import java.util.List;

/**
 * The request is malformed; the client must change it before retrying. The field violations travel
 * to the client as google.rpc.BadRequest details so a UI can point at each bad field.
 */
public class InvalidArgumentException extends ApiException {
  private static final long serialVersionUID = 1L;

  private final List<FieldViolation> violations;

  public InvalidArgumentException(String message, List<FieldViolation> violations) {
    super(Status.Code.INVALID_ARGUMENT, message);
    this.violations = List.copyOf(violations);
  }

  public InvalidArgumentException(String message) {
    this(message, List.of());
  }

  /** A single bad field, the common case. */
  public static InvalidArgumentException forField(String field, String description) {
    return new InvalidArgumentException(
        field + ": " + description, List.of(new FieldViolation(field, description)));
  }

  public List<FieldViolation> violations() {
    return violations;
  }
}
