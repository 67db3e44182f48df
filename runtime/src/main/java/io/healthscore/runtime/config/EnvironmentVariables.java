package io.healthscore.runtime.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Typed reads of a variable map; every error names the variable and the bad value. */
final class EnvironmentVariables {
  private final Map<String, String> values;

  EnvironmentVariables(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /** The trimmed value; blank counts as unset, as it does for most shells and manifests. */
  Optional<String> optional(String name) {
    String value = values.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  String get(String name, String defaultValue) {
    return optional(name).orElse(defaultValue);
  }

  int getInt(String name, int defaultValue) {
    return parse(name, defaultValue, "an integer", Integer::valueOf);
  }

  long getLong(String name, long defaultValue) {
    return parse(name, defaultValue, "an integer", Long::valueOf);
  }

  double getDouble(String name, double defaultValue) {
    return parse(
        name,
        defaultValue,
        "a finite number",
        v -> {
          double d = Double.parseDouble(v);
          if (!Double.isFinite(d)) {
            throw new NumberFormatException();
          }
          return d;
        });
  }

  boolean getBoolean(String name, boolean defaultValue) {
    return parse(
        name,
        defaultValue,
        "true or false",
        v -> {
          switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1":
              return true;
            case "false", "no", "off", "0":
              return false;
            default:
              throw new IllegalArgumentException();
          }
        });
  }

  Duration getDuration(String name, Duration defaultValue) {
    Optional<String> value = optional(name);
    if (value.isEmpty()) {
      return defaultValue;
    }
    try {
      return DurationParser.parse(value.get());
    } catch (IllegalArgumentException e) {
      throw invalid(name, value.get(), e.getMessage());
    }
  }

  int port(String name, int defaultValue) {
    int port = getInt(name, defaultValue);
    if (port < 0 || port > 65535) {
      throw invalid(name, String.valueOf(port), "expected a port between 0 and 65535");
    }
    return port;
  }

  int positiveInt(String name, int defaultValue) {
    int value = getInt(name, defaultValue);
    if (value <= 0) {
      throw invalid(name, String.valueOf(value), "expected a positive integer");
    }
    return value;
  }

  int nonNegativeInt(String name, int defaultValue) {
    int value = getInt(name, defaultValue);
    if (value < 0) {
      throw invalid(name, String.valueOf(value), "expected zero or a positive integer");
    }
    return value;
  }

  private <T> T parse(String name, T defaultValue, String expected, Function<String, T> parser) {
    Optional<String> value = optional(name);
    if (value.isEmpty()) {
      return defaultValue;
    }
    try {
      return parser.apply(value.get());
    } catch (IllegalArgumentException e) {
      throw invalid(name, value.get(), "expected " + expected);
    }
  }

  private static IllegalArgumentException invalid(String name, String value, String why) {
    return new IllegalArgumentException(
        "invalid value for environment variable " + name + ": '" + value + "': " + why);
  }
}
