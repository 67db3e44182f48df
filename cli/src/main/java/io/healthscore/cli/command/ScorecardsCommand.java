package io.healthscore.cli.command;

import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.output.Json;
import io.healthscore.cli.output.Table;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.scoring.scorecard.ScorecardYaml;
import io.healthscore.v1.ListScorecardsRequest;
import io.healthscore.v1.PutScorecardRequest;
import io.healthscore.v1.PutScorecardResponse;
import io.healthscore.v1.ScoreDistribution;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.ValidateScorecardRequest;
import io.healthscore.v1.ValidateScorecardResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code scorecards list|validate|preview|apply}. */
@Command(name = "scorecards", mixinStandardHelpOptions = true, description = "Check, preview and apply scorecard YAML files (docs/scorecards.md).",
    subcommands = {ScorecardsCommand.ListCards.class, ScorecardsCommand.Validate.class, ScorecardsCommand.Preview.class, ScorecardsCommand.Apply.class})
public final class ScorecardsCommand {
  abstract static class WithFile extends CliCommand {
    @Parameters(index = "0", paramLabel = "FILE.yaml")
    Path file;

    @Override
    public Integer call() throws IOException {
      Scorecard sc = parse();
      return sc == null ? ExitCodes.INVALID : run(sc);
    }

    /** The command on a scorecard file that parsed. */
    abstract int run(Scorecard sc);

    /** The parsed file, or null after printing its problems. */
    Scorecard parse() throws IOException {
      String name = file.getFileName().toString();
      try {
        Scorecard sc = ScorecardYaml.parse(Files.readString(file, StandardCharsets.UTF_8), name);
        if (sc.getScorecardId().isEmpty()) {
          sc = sc.toBuilder().setScorecardId(name.replaceFirst("\\.ya?ml$", "")).build();
        }
        return sc;
      } catch (InvalidArgumentException e) {
        err().println(file + ": " + e.getMessage());
        for (FieldViolation v : e.violations()) {
          err().println("  " + v.field() + ": " + v.description());
        }
        return null;
      }
    }

    ValidateScorecardResponse validate(Scorecard sc) {
      return services().scoring().validateScorecard(ValidateScorecardRequest.newBuilder().setScorecard(sc).build());
    }

    /** The metrics the scorecard reads and the features through which. */
    void printReads(Scorecard sc) {
      Map<String, Set<String>> reads = ScorecardReads.of(List.of(sc)).featuresByMetric();
      out().println("reads these metrics (send them under these names, or edit the features):");
      reads.forEach((metric, features) -> out().println("  " + metric + ": " + String.join(", ", features)));
    }

    void printWarnings(ValidateScorecardResponse r) {
      for (String w : r.getWarningsList()) {
        out().println("warning: " + w);
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The active scorecards.")
  static final class ListCards extends CliCommand {
    @Override
    public Integer call() {
      List<Scorecard> cards = services().scoring().listScorecards(ListScorecardsRequest.getDefaultInstance()).getScorecardsList();
      if (json()) {
        Json.printArray(out(), cards);
        return ExitCodes.OK;
      }
      Table t = new Table("scorecard", "version", "name", "segments", "stages", "priority", "default");
      for (Scorecard sc : cards) {
        t.row(sc.getScorecardId(), sc.getVersion(), sc.getName(), String.join(",", sc.getSegmentsList()),
            String.join(",", sc.getLifecycleStagesList()), sc.getPriority(), sc.getIsDefault() ? "yes" : "");
      }
      t.print(out());
      return ExitCodes.OK;
    }
  }

  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = "Check a scorecard file (nothing is stored): every problem with its field, what it reads, and warnings such as a feature no account has.")
  static final class Validate extends WithFile {
    @Override
    int run(Scorecard sc) {
      ValidateScorecardResponse r = validate(sc);
      if (json()) {
        Json.print(out(), r);
        return ExitCodes.OK;
      }
      out().println(file + ": valid scorecard " + sc.getScorecardId());
      printReads(sc);
      printWarnings(r);
      return ExitCodes.OK;
    }
  }

  @Command(name = "preview", mixinStandardHelpOptions = true, description = "How a scorecard file would score current accounts, by band and score.")
  static final class Preview extends WithFile {
    @Override
    int run(Scorecard sc) {
      ValidateScorecardResponse r = validate(sc);
      if (json()) {
        Json.print(out(), r.getPreview());
        return ExitCodes.OK;
      }
      ScoreDistribution d = r.getPreview();
      out().printf(Locale.ROOT, "%s over %,d accounts: mean %.1f, coverage %.0f%%; red %,d, yellow %,d, green %,d%n",
          sc.getScorecardId(), d.getAccounts(), d.getMean(), 100 * d.getMeanCoverage(), d.getRed(), d.getYellow(), d.getGreen());
      long most = d.getHistogramList().stream().mapToLong(Long::longValue).max().orElse(0);
      for (int i = 0; i < d.getHistogramCount(); i++) {
        long n = d.getHistogram(i);
        int bar = most == 0 ? 0 : (int) Math.round(40.0 * n / most);
        out().printf(Locale.ROOT, "  %2d  %-40s %,d%n", i + 1, "#".repeat(bar), n);
      }
      printWarnings(r);
      return ExitCodes.OK;
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true, description = "Store a scorecard file as a new version and rescore the accounts it applies to.")
  static final class Apply extends WithFile {
    @Override
    int run(Scorecard sc) {
      PutScorecardResponse r = services().scoring().putScorecard(PutScorecardRequest.newBuilder().setScorecard(sc).build());
      if (json()) {
        Json.print(out(), r);
        return ExitCodes.OK;
      }
      out().printf(Locale.ROOT, "applied %s version %d; %,d accounts affected%n", r.getScorecard().getScorecardId(),
          r.getScorecard().getVersion(), r.getAccountsAffected());
      return ExitCodes.OK;
    }
  }
}
