package io.healthscore.runtime.logging;

import java.util.Locale;

/** How log lines are written: {@code HEALTHSCORE_LOG_FORMAT}. */
public enum LogFormat {
  /** For a person at a terminal: time, level, logger, thread, message; a defect's stack trace below. */
  TEXT,
  /** One JSON object per line, for a log collector; a stack trace is a field of its line. */
  JSON;

  public static final String VARIABLE = "HEALTHSCORE_LOG_FORMAT";

  /** The format a variable's value names; blank or unset is {@link #TEXT}. */
  public static LogFormat parse(String value) {
    if (value == null || value.isBlank()) {
      return TEXT;
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "text":
        return TEXT;
      case "json":
        return JSON;
      default:
        throw new IllegalArgumentException(VARIABLE + ": expected text or json, got '" + value.trim() + "'");
    }
  }
}
