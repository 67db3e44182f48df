package io.healthscore.cli.command;

import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.output.Json;
import io.healthscore.cli.output.Table;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrationBucket;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.LearnedWeight;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code calibrate}: learn from outcomes. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
    description = "Learn from renewal and churn outcomes which signals predict churn; --activate sets churn probabilities.")
public final class CalibrateCommand extends CliCommand {
  @Option(names = "--scorecard", description = "calibrate this scorecard's weights; without it, learn from every feature")
  String scorecard;

  @Option(names = "--horizon-days", defaultValue = "90", description = "churn within this many days counts (default ${DEFAULT-VALUE})")
  int horizonDays;

  @Option(names = "--activate", description = "activate the model when done")
  boolean activate;

  @Override
  public Integer call() {
    CalibrateRequest.Builder q = CalibrateRequest.newBuilder().setHorizonDays(horizonDays).setActivate(activate);
    if (scorecard != null) {
      q.setScorecardId(scorecard);
    }
    CalibrationReport r = services().scoringLong().calibrate(q.build()).getReport();
    if (json()) {
      Json.print(out(), r);
      return ExitCodes.OK;
    }
    out().printf(Locale.ROOT, "model %s%s: AUC %.3f (hand-set weights %.3f), Brier %.3f, %,d samples, %,d churned, horizon %d days%n",
        r.getModelId(), r.getActivated() ? " (active)" : "", r.getAuc(), r.getBaselineAuc(), r.getBrier(), r.getSamples(),
        r.getPositives(), r.getHorizonDays());
    if (r.getWeightsCount() > 0) {
      Table w = new Table("measure", "weight", "before", "coefficient");
      for (LearnedWeight lw : r.getWeightsList()) {
        w.row(lw.getMeasureId(), String.format(Locale.ROOT, "%.3f", lw.getWeight()), String.format(Locale.ROOT, "%.3f", lw.getPreviousWeight()),
            String.format(Locale.ROOT, "%.3f", lw.getCoefficient()));
      }
      w.print(out());
    }
    printBuckets(out(), r.getBucketsList());
    return ExitCodes.OK;
  }

  static void printBuckets(java.io.PrintWriter out, java.util.List<CalibrationBucket> buckets) {
    if (buckets.isEmpty()) {
      return;
    }
    Table t = new Table("scores", "samples", "churned", "predicted");
    for (CalibrationBucket b : buckets) {
      t.row(String.format(Locale.ROOT, "%.0f-%.0f", b.getScoreFrom(), b.getScoreTo()), b.getSamples(),
          String.format(Locale.ROOT, "%.1f%%", 100 * b.getChurnRate()), String.format(Locale.ROOT, "%.1f%%", 100 * b.getPredicted()));
    }
    t.print(out);
  }
}
