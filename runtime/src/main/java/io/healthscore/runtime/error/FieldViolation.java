package io.healthscore.runtime.error;

import java.util.Objects;

/**
 * One bad field of a request. {@code field} is a path into the request as the client wrote it,
 * e.g. {@code signals[3].metric}.
 */
public record FieldViolation(String field, String description) {
  public FieldViolation {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(description, "description");
  }
}
