package io.healthscore.cli.output;

import io.healthscore.v1.Band;

/** What the terminal can show: colour and redrawn progress bars only when it is one. */
public final class Terminal {
  private static final String RESET = "\u001b[0m";

  private Terminal() {}

  /** True when stdout is an interactive terminal and NO_COLOR is not set. */
  public static boolean interactive() {
    return System.console() != null && System.getenv("NO_COLOR") == null && !"dumb".equals(System.getenv("TERM"));
  }

  /** The band's name, in its colour when {@code colour}. */
  public static String band(Band band, boolean colour) {
    String name = switch (band) {
      case BAND_RED -> "red";
      case BAND_YELLOW -> "yellow";
      case BAND_GREEN -> "green";
      default -> "-";
    };
    if (!colour) {
      return name;
    }
    String code = switch (band) {
      case BAND_RED -> "\u001b[31m";
      case BAND_YELLOW -> "\u001b[33m";
      case BAND_GREEN -> "\u001b[32m";
      default -> "";
    };
    return code + name + RESET;
  }
}
