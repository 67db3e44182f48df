package io.healthscore.cli;

/** The exit codes that scripts can rely on; listed in {@code healthscore --help} and docs/cli.md. */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  public static final int REJECTED_ROWS = 3;
  public static final int UNAVAILABLE = 4;
  public static final int NOT_FOUND = 5;
  public static final int INVALID = 6;
  public static final int DENIED = 7;

  private ExitCodes() {}
}
