package io.healthscore.cli.importing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an import did. {@code accepted} rows were stored (for accounts: created plus updated);
 * {@code duplicates} were already there (an event id seen before); {@code rejected} were not
 * stored, each with a reason. For signals, the rows per metric, to compare with what scorecards read.
 */
public final class ImportSummary {
  public final String kind;
  public long rows;
  public long accepted;
  public long created;
  public long updated;
  public long duplicates;
  public long rejected;
  public final List<String> firstRejections = new ArrayList<>();
  public final Map<String, Long> rowsPerMetric = new TreeMap<>();
  public double seconds;

  ImportSummary(String kind) {
    this.kind = kind;
  }

  synchronized void reject(Row row, String field, String reason, RejectedRows file) {
    rejected++;
    if (firstRejections.size() < 5) {
      firstRejections.add("line " + row.line() + ": " + (field.isEmpty() ? "" : field + ": ") + reason);
    }
    if (file != null) {
      file.write(row, field, reason);
    }
  }
}
