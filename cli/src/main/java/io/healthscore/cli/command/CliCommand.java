package io.healthscore.cli.command;

import io.healthscore.cli.HealthscoreCli;
import io.healthscore.cli.Services;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every command has: the global options, the services and the output streams. */
abstract class CliCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  HealthscoreCli cli() {
    return HealthscoreCli.of(spec);
  }

  Services services() {
    return cli().services();
  }

  boolean json() {
    return cli().json();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
