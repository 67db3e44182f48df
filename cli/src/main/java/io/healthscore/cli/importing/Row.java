package io.healthscore.cli.importing;

import java.util.Map;

/**
 * One input row: its line number in the file (the first line of a CSV record), its values by
 * column name (nested JSON objects flattened to {@code attributes.<key>}), and its original text.
 * A malformed row has no values and says why in {@code malformed}.
 */
public record Row(long line, Map<String, String> values, String text, String malformed) {
  public static Row wellFormed(long line, Map<String, String> values, String text) {
    return new Row(line, values, text, null);
  }

  public static Row malformed(long line, String text, String why) {
    return new Row(line, null, text, why);
  }

  /** The value of a column, or "" when absent. */
  public String get(String column) {
    String v = values.get(column);
    return v == null ? "" : v.strip();
  }
}
