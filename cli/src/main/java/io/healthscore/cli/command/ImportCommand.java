package io.healthscore.cli.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.StatusRuntimeException;
import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.importing.ImportSummary;
import io.healthscore.cli.importing.Importer;
import io.healthscore.cli.importing.RejectedRows;
import io.healthscore.cli.importing.RowReader;
import io.healthscore.cli.output.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code import accounts|signals|outcomes FILE}. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Load accounts, signals or outcomes from a .csv or .jsonl file, streamed in batches.",
      "Columns are the proto field names (docs/import.md). Exit code 3 when some rows were rejected."
    },
    subcommands = {ImportCommand.Accounts.class, ImportCommand.Signals.class, ImportCommand.Outcomes.class})
public final class ImportCommand {
  abstract static class ImportKind extends CliCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = ".csv (header of column names) or .jsonl (one JSON object per line)")
    Path file;

    @Option(names = "--rejected", paramLabel = "FILE", description = "write each rejected row here with its line, field and reason")
    Path rejected;

    @Option(names = "--batch-size", defaultValue = "1000", description = "rows per call (default ${DEFAULT-VALUE})")
    int batchSize;

    abstract Importer.Kind kind();

    @Override
    public Integer call() throws Exception {
      if (!Files.isReadable(file)) {
        err().println("healthscore: cannot read " + file);
        return ExitCodes.USAGE;
      }
      RowReader.Format format = RowReader.Format.of(file);
      List<String> columns;
      try (RowReader r = RowReader.open(file)) {
        columns = r.columns();
      }
      long total = RowReader.countRows(file);
      Progress progress = Progress.onStderr(err(), "import " + kind().name().toLowerCase(Locale.ROOT), total);
      ImportSummary summary;
      RejectedRows rejectedRows = rejected == null ? null : new RejectedRows(rejected, format, columns);
      try {
        summary = new Importer(services(), Math.max(1, batchSize)).run(kind(), file, rejectedRows, progress);
      } finally {
        if (rejectedRows != null) {
          rejectedRows.close();
        }
      }
      ScorecardReads reads = kind() == Importer.Kind.SIGNALS ? readsOrNull() : null;
      if (json()) {
        out().println(json(summary, reads));
      } else {
        print(summary, reads);
      }
      return summary.rejected > 0 ? ExitCodes.REJECTED_ROWS : ExitCodes.OK;
    }

    /** The scorecards' reads, or null when scoring-service cannot say (the import itself succeeded). */
    private ScorecardReads readsOrNull() {
      try {
        return ScorecardReads.active(services());
      } catch (StatusRuntimeException e) {
        err().println("healthscore: could not list scorecards to compare metric names: " + e.getStatus().getCode());
        return null;
      }
    }

    private void print(ImportSummary s, ScorecardReads reads) {
      var out = out();
      out.printf(Locale.ROOT, "%s: %,d rows in %.1fs: %,d accepted", s.kind, s.rows, s.seconds, s.accepted);
      if (kind() == Importer.Kind.ACCOUNTS) {
        out.printf(Locale.ROOT, " (%,d created, %,d updated)", s.created, s.updated);
      } else {
        out.printf(Locale.ROOT, ", %,d duplicates", s.duplicates);
      }
      out.printf(Locale.ROOT, ", %,d rejected%n", s.rejected);
      for (String r : s.firstRejections) {
        out.println("  rejected " + r);
      }
      if (s.rejected > s.firstRejections.size()) {
        out.printf(Locale.ROOT, "  ... %,d more%s%n", s.rejected - s.firstRejections.size(),
            rejected == null ? "; --rejected FILE writes them all" : "");
      }
      if (rejected != null && s.rejected > 0) {
        out.println("  rejected rows with their reasons: " + rejected);
      }
      if (reads != null && !s.rowsPerMetric.isEmpty()) {
        Set<String> unread = reads.unread(s.rowsPerMetric.keySet());
        for (String metric : unread) {
          String hint = reads.closest(metric);
          out.printf(Locale.ROOT, "  metric %s (%,d rows) is read by no active scorecard%s%n", metric, s.rowsPerMetric.get(metric),
              hint == null ? "" : "; did you mean " + hint + "?");
        }
        if (!unread.isEmpty()) {
          out.println("  active scorecards (" + String.join(", ", reads.scorecardIds()) + ") read the metrics: "
              + String.join(", ", reads.featuresByMetric().keySet()));
          out.println("  see docs/mapping.md to rename metrics or write a scorecard that reads yours");
        }
      }
    }

    private static String json(ImportSummary s, ScorecardReads reads) {
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode n = mapper.createObjectNode();
      n.put("kind", s.kind);
      n.put("rows", s.rows);
      n.put("accepted", s.accepted);
      n.put("created", s.created);
      n.put("updated", s.updated);
      n.put("duplicates", s.duplicates);
      n.put("rejected", s.rejected);
      n.put("seconds", s.seconds);
      var first = n.putArray("first_rejections");
      s.firstRejections.forEach(first::add);
      if (!s.rowsPerMetric.isEmpty()) {
        var metrics = n.putObject("rows_per_metric");
        s.rowsPerMetric.forEach(metrics::put);
        if (reads != null) {
          var unread = n.putArray("metrics_no_scorecard_reads");
          reads.unread(s.rowsPerMetric.keySet()).forEach(unread::add);
          var read = n.putArray("metrics_scorecards_read");
          reads.featuresByMetric().keySet().forEach(read::add);
        }
      }
      return n.toPrettyString();
    }
  }

  @Command(name = "accounts", mixinStandardHelpOptions = true, description = "Create or update accounts (UpsertAccounts).")
  static final class Accounts extends ImportKind {
    @Override
    Importer.Kind kind() {
      return Importer.Kind.ACCOUNTS;
    }
  }

  @Command(name = "signals", mixinStandardHelpOptions = true,
      description = "Ingest signals (StreamSignals); the summary names metrics no active scorecard reads.")
  static final class Signals extends ImportKind {
    @Override
    Importer.Kind kind() {
      return Importer.Kind.SIGNALS;
    }
  }

  @Command(name = "outcomes", mixinStandardHelpOptions = true, description = "Record renewals, churn, expansion and contraction (RecordOutcomes).")
  static final class Outcomes extends ImportKind {
    @Override
    Importer.Kind kind() {
      return Importer.Kind.OUTCOMES;
    }
  }
}
