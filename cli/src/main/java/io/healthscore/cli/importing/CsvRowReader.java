package io.healthscore.cli.importing;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 4180 CSV: a header line of column names, comma-separated fields, double quotes around a field
 * holding commas, quotes (doubled) or line breaks. Blank lines are skipped.
 */
final class CsvRowReader extends RowReader {
  private final List<String> header;

  CsvRowReader(BufferedReader in) throws IOException {
    super(in);
    Record first = record();
    if (first == null) {
      header = List.of();
    } else {
      List<String> names = new ArrayList<>();
      for (String h : first.fields) {
        names.add(h.strip().replace("\uFEFF", ""));
      }
      header = List.copyOf(names);
    }
  }

  @Override
  public List<String> columns() {
    return header;
  }

  @Override
  public Row next() throws IOException {
    Record r;
    do {
      r = record();
      if (r == null) {
        return null;
      }
    } while (r.text.isBlank());
    if (r.fields.size() > header.size()) {
      return new Row(r.line, null, r.text);
    }
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < r.fields.size(); i++) {
      values.put(header.get(i), r.fields.get(i));
    }
    return new Row(r.line, values, r.text);
  }

  private record Record(long line, List<String> fields, String text) {}

  /** One record, which may span lines inside quotes; null at the end of the input. */
  private Record record() throws IOException {
    String line = in.readLine();
    if (line == null) {
      return null;
    }
    long start = ++lineNumber;
    StringBuilder text = new StringBuilder(line);
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    int i = 0;
    while (true) {
      if (i >= line.length()) {
        if (!quoted) {
          break;
        }
        String more = in.readLine();
        if (more == null) {
          break;
        }
        lineNumber++;
        field.append('\n');
        text.append('\n').append(more);
        line = more;
        i = 0;
        continue;
      }
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
      i++;
    }
    fields.add(field.toString());
    return new Record(start, fields, text.toString());
  }

  /** A field written so that this reader reads it back. */
  static String quote(String value) {
    if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
      return value;
    }
    return '"' + value.replace("\"", "\"\"") + '"';
  }
}
