package io.healthscore.cli.importing;

/** A row that cannot become a message: the field at fault and why. */
public final class RowException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String field;

  public RowException(String field, String reason) {
    super(reason);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
