package io.healthscore.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** One run of the command line against a suite's ports, with what it printed. */
record CliRun(int exitCode, String out, String err) {
  static CliRun of(int signalsPort, int scoringPort, int alertingPort, String... args) {
    List<String> all = new ArrayList<>(List.of(
        "--signals", "localhost:" + signalsPort, "--scoring", "localhost:" + scoringPort, "--alerting", "localhost:" + alertingPort));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = HealthscoreCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    return new CliRun(code, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
