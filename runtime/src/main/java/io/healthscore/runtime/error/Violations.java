package io.healthscore.runtime.error;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every problem of a request before failing, so clients fix all fields in one round trip
 * instead of discovering them one call at a time. Not thread-safe; one per request.
 */
public final class Violations {
  private final List<FieldViolation> list = new ArrayList<>();

  public Violations add(String field, String description) {
    list.add(new FieldViolation(field, description));
    return this;
  }

  /** Records a violation unless {@code ok}; returns {@code ok} so callers can skip dependent checks. */
  public boolean check(boolean ok, String field, String description) {
    if (!ok) {
      add(field, description);
    }
    return ok;
  }

  public boolean isEmpty() {
    return list.isEmpty();
  }

  public List<FieldViolation> list() {
    return List.copyOf(list);
  }

  /**
   * Throws an InvalidArgumentException carrying all violations, if there are any. The message is
   * {@code summary} followed by the violations, so logs and CLI users see the details too.
   */
  public void throwIfAny(String summary) {
    if (list.isEmpty()) {
      return;
    }
    StringBuilder message = new StringBuilder(summary);
    String separator = ": ";
    for (FieldViolation v : list) {
      message.append(separator).append(v.field()).append(' ').append(v.description());
      separator = "; ";
    }
    throw new InvalidArgumentException(message.toString(), list);
  }
}
