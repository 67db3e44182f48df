package io.healthscore.cli.output;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain text table: columns padded to their widest cell, numbers right-aligned. */
public final class Table {
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... headers) {
    this.headers = List.of(headers);
  }

  public Table row(Object... cells) {
    List<String> r = new ArrayList<>();
    for (Object c : cells) {
      r.add(c == null ? "" : c.toString());
    }
    rows.add(r);
    return this;
  }

  public int size() {
    return rows.size();
  }

  public void print(PrintWriter out) {
    int[] width = new int[headers.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = headers.get(i).length();
    }
    for (List<String> r : rows) {
      for (int i = 0; i < width.length && i < r.size(); i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    line(out, headers, width, false);
    for (List<String> r : rows) {
      line(out, r, width, true);
    }
  }

  private static void line(PrintWriter out, List<String> cells, int[] width, boolean alignNumbers) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < width.length; i++) {
      String c = i < cells.size() ? cells.get(i) : "";
      boolean last = i == width.length - 1;
      if (alignNumbers && looksNumeric(c)) {
        s.append(" ".repeat(width[i] - c.length())).append(c);
      } else {
        s.append(c);
        if (!last) {
          s.append(" ".repeat(width[i] - c.length()));
        }
      }
      if (!last) {
        s.append("  ");
      }
    }
    out.println(s.toString().stripTrailing());
  }

  private static boolean looksNumeric(String c) {
    return !c.isEmpty() && c.matches("[-+]?[0-9][0-9,]*(\\.[0-9]+)?%?");
  }
}
