package io.healthscore.cli.command;

import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.report.HtmlReport;
import io.healthscore.cli.report.ReportCollector;
import io.healthscore.cli.report.ReportData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code report --out FILE.html}. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Write a self-contained HTML report (opens without a network): bands over time, score distributions, ROC and calibration, churn per band, revenue at risk, rule quality, top at-risk accounts.")
public final class ReportCommand extends CliCommand {
  @Option(names = "--out", required = true, paramLabel = "FILE.html", description = "where to write the report")
  Path out;

  @Option(names = "--folds", defaultValue = "0",
      description = "retrain the served learned model on N folds for its ROC and calibration (slower, honest); default tests it as stored")
  int folds;

  @Override
  public Integer call() throws Exception {
    ReportData data = new ReportCollector(services(), err(), folds).collect(Instant.now());
    Files.writeString(out, HtmlReport.render(data), StandardCharsets.UTF_8);
    out().println("report written to " + out.toAbsolutePath() + " (" + data.accounts + " accounts)");
    return ExitCodes.OK;
  }
}
