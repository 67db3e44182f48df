package io.healthscore.cli.importing;

import java.util.Map;

/**
 * One input row: its line number in the file (the first line of a CSV record), its values by
 * column name (nested JSON objects flattened to {@code attributes.<key>}), and its original text.
 */
public record Row(long line, Map<String, String> values, String text) {
  /** The value of a column, or "" when absent. */
  public String get(String column) {
    String v = values.get(column);
    return v == null ? "" : v.strip();
  }
}
