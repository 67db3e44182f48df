package io.healthscore.cli.importing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code --rejected} file: every row that was not stored, with its line in the input, the
 * column at fault and the reason. A CSV input gives a CSV ({@code line,field,reason} then the input's
 * columns), a JSON-lines input gives JSON lines ({@code line}, {@code field}, {@code reason}, {@code row}).
 */
public final class RejectedRows implements Closeable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final BufferedWriter out;
  private final RowReader.Format format;
  private final List<String> columns;

  public RejectedRows(Path file, RowReader.Format format, List<String> columns) throws IOException {
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    this.format = format;
    this.columns = columns;
    if (format == RowReader.Format.CSV) {
      out.write("line,field,reason");
      for (String c : columns) {
        out.write("," + CsvRowReader.quote(c));
      }
      out.newLine();
    }
  }

  public synchronized void write(Row row, String field, String reason) {
    try {
      if (format == RowReader.Format.CSV) {
        StringBuilder s = new StringBuilder();
        s.append(row.line()).append(',').append(CsvRowReader.quote(field)).append(',').append(CsvRowReader.quote(reason));
        for (String c : columns) {
          String v = row.values() == null ? "" : row.values().getOrDefault(c, "");
          s.append(',').append(CsvRowReader.quote(v));
        }
        out.write(s.toString());
      } else {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("line", row.line());
        n.put("field", field);
        n.put("reason", reason);
        try {
          n.set("row", MAPPER.readTree(row.text()));
        } catch (IOException notJson) {
          n.put("row", row.text());
        }
        out.write(MAPPER.writeValueAsString(n));
      }
      out.newLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
