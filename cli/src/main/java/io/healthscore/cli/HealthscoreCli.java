package io.healthscore.cli;

import io.healthscore.cli.command.AlertsCommand;
import io.healthscore.cli.command.BacktestCommand;
import io.healthscore.cli.command.CalibrateCommand;
import io.healthscore.cli.command.ExplainCommand;
import io.healthscore.cli.command.ForecastCommand;
import io.healthscore.cli.command.HistoryCommand;
import io.healthscore.cli.command.ImportCommand;
import io.healthscore.cli.command.ModelsCommand;
import io.healthscore.cli.command.ReportCommand;
import io.healthscore.cli.command.ScorecardsCommand;
import io.healthscore.cli.command.ScoresCommand;
import io.healthscore.cli.command.TasksCommand;
import io.healthscore.runtime.logging.Logging;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code bin/healthscore}: the services' public API for people and scripts. The global options
 * live here; every command reaches them through {@link #of}.
 */
@Command(
    name = "healthscore",
    mixinStandardHelpOptions = true,
    version = "healthscore 0.1.0",
    description = "Load accounts, signals and outcomes; read scores, explanations and alerts; manage scorecards and models.",
    subcommands = {
      ImportCommand.class,
      ScoresCommand.class,
      ExplainCommand.class,
      HistoryCommand.class,
      ScorecardsCommand.class,
      CalibrateCommand.class,
      BacktestCommand.class,
      ForecastCommand.class,
      ModelsCommand.class,
      AlertsCommand.class,
      TasksCommand.class,
      ReportCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:an unexpected failure",
      "2:bad usage (unknown command or option, bad option value)",
      "3:import finished, but some rows were rejected",
      "4:a service could not be reached or timed out",
      "5:not found (account, scorecard, alert, task, model)",
      "6:a service refused the input (invalid argument, failed precondition)",
      "7:not allowed (missing or wrong token)"
    })
public final class HealthscoreCli {
  @Option(names = "--signals", defaultValue = "localhost:7001", description = "signals-service address (default ${DEFAULT-VALUE})")
  String signals;

  @Option(names = "--scoring", defaultValue = "localhost:7002", description = "scoring-service address (default ${DEFAULT-VALUE})")
  String scoring;

  @Option(names = "--alerting", defaultValue = "localhost:7003", description = "alerting-service address (default ${DEFAULT-VALUE})")
  String alerting;

  @Option(names = "--token-file", description = "file holding the bearer token sent on every call")
  Path tokenFile;

  @Option(names = "--tls-ca", description = "PEM CA certificate: speak TLS and verify the services with it")
  Path tlsCa;

  @Option(names = "--tls-cert", description = "PEM client certificate for services that require one (mutual TLS); with --tls-key")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PKCS#8 PEM key of --tls-cert")
  Path tlsKey;

  @Option(names = "--json", description = "print JSON instead of tables")
  boolean json;

  private Services services;

  /** The root command object of the command line that {@code spec} belongs to. */
  public static HealthscoreCli of(CommandLine.Model.CommandSpec spec) {
    return (HealthscoreCli) spec.root().userObject();
  }

  /** Channels to the three services, opened on first use. */
  public synchronized Services services() {
    if (services == null) {
      services = new Services(signals, scoring, alerting, tokenFile, tlsCa, tlsCert, tlsKey);
    }
    return services;
  }

  public boolean json() {
    return json;
  }

  /** The command line wired with the error handler that turns failures into exit codes. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    HealthscoreCli root = new HealthscoreCli();
    CommandLine cl = new CommandLine(root);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(new Failures());
    return cl;
  }

  /** Runs the command line and closes the channels; returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine(out, err);
    try {
      return cl.execute(args);
    } finally {
      HealthscoreCli root = cl.getCommand();
      if (root.services != null) {
        root.services.close();
      }
      out.flush();
      err.flush();
    }
  }

  public static void main(String[] args) {
    Logging.install();
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(run(out, err, args));
  }
}
