package io.healthscore.cli.importing;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads rows one at a time from a {@code .csv} or {@code .jsonl} file (see docs/import.md). */
public abstract class RowReader implements Closeable {
  final Lines in;
  long lineNumber;

  RowReader(Lines in) {
    this.in = in;
  }

  /** A reader chosen by the file's extension; a file that is neither fails with a usage message. */
  public static RowReader open(Path file) throws IOException {
    Format format = Format.of(file);
    Lines in = new Lines(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
    return format == Format.CSV ? new CsvRowReader(in) : new JsonLinesRowReader(in);
  }

  /** The next row, or null at the end; a malformed line is a row whose values are null. */
  public abstract Row next() throws IOException;

  /** The CSV header's columns (empty for JSON lines), to write rejected rows in the same shape. */
  public abstract List<String> columns();

  /** Rows in the file, counted by a quick pass for the progress bar (records, not physical lines). */
  public static long countRows(Path file) throws IOException {
    try (RowReader r = open(file)) {
      long n = 0;
      while (r.next() != null) {
        n++;
      }
      return n;
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** File formats the importer reads. */
  public enum Format {
    CSV,
    JSON_LINES;

    public static Format of(Path file) {
      String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
      if (name.endsWith(".csv")) {
        return CSV;
      }
      if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
        return JSON_LINES;
      }
      throw new io.healthscore.cli.UsageException(file + ": use a .csv or .jsonl file");
    }
  }
}
