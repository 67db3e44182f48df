package io.healthscore.cli.importing;

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

  CsvRowReader(Lines in) throws IOException {
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
    } while (r.text.isBlank() && r.problem == null);
    if (r.problem != null) {
      return Row.malformed(r.line, r.text, r.problem);
    }
    if (r.fields.size() > header.size()) {
      return Row.malformed(r.line, r.text, "more fields (" + r.fields.size() + ") than the header has columns (" + header.size() + ")");
    }
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < r.fields.size(); i++) {
      values.put(header.get(i), r.fields.get(i));
    }
    return Row.wellFormed(r.line, values, r.text);
  }

  /** Longer quoted records are rejected, so an unclosed quote cannot swallow the rest of a file. */
  static final int MAX_RECORD_CHARS = 1 << 20;

  private record Record(long line, List<String> fields, String text, String problem) {}

  /** One record, which may span lines inside quotes; null at the end of the input. */
  private Record record() throws IOException {
    String line = in.next();
    if (line == null) {
      return null;
    }
    String problem = in.problem();
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
        if (text.length() > MAX_RECORD_CHARS) {
          problem = "a quoted field runs past " + MAX_RECORD_CHARS + " characters (an unclosed quote?)";
          break;
        }
        String more = in.next();
        if (more == null) {
          problem = "a quoted field is not closed before the end of the file";
          break;
        }
        if (problem == null) {
          problem = in.problem();
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
    return new Record(start, fields, text.toString(), problem);
  }

  /** A field written so that this reader reads it back. */
  static String quote(String value) {
    if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
      return value;
    }
    return '"' + value.replace("\"", "\"\"") + '"';
  }
}
