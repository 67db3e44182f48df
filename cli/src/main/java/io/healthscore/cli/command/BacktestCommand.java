package io.healthscore.cli.command;

import com.google.protobuf.util.Timestamps;
import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.UsageException;
import io.healthscore.cli.output.Json;
import io.healthscore.v1.BacktestReport;
import io.healthscore.v1.BacktestRequest;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code backtest}: how a scorecard or model would have predicted past churn. */
@Command(name = "backtest", mixinStandardHelpOptions = true, description = "How well a scorecard or model would have predicted past churn.")
public final class BacktestCommand extends CliCommand {
  @Option(names = "--scorecard", description = "the scorecard (default: the default scorecard)")
  String scorecard;

  @Option(names = "--model", description = "a calibrated model instead of a scorecard")
  String model;

  @Option(names = "--horizon-days", defaultValue = "90", description = "churn within this many days counts (default ${DEFAULT-VALUE})")
  int horizonDays;

  @Option(names = "--folds", description = "a learned model is retrained on all folds (by account) but one and tested on that one, for each of N folds (2 to 20)")
  Integer folds;

  @Option(names = "--split", paramLabel = "DATE", description = "a learned model is retrained on snapshots before DATE (yyyy-mm-dd) and tested on the later ones")
  LocalDate split;

  @Override
  public Integer call() {
    if (folds != null && split != null) {
      throw new UsageException("choose --folds or --split, not both");
    }
    BacktestRequest.Builder q = BacktestRequest.newBuilder().setHorizonDays(horizonDays);
    if (scorecard != null) {
      q.setScorecardId(scorecard);
    }
    if (model != null) {
      q.setModelId(model);
    }
    if (folds != null) {
      q.setFolds(folds);
    }
    if (split != null) {
      q.setSplitTime(Timestamps.fromSeconds(split.atStartOfDay(ZoneOffset.UTC).toEpochSecond()));
    }
    BacktestReport r = services().scoringLong().backtest(q.build()).getReport();
    if (json()) {
      Json.print(out(), r);
      return ExitCodes.OK;
    }
    out().printf(Locale.ROOT, "%s%s, horizon %d days%s: AUC %.3f over %,d samples (%,d churned)%n", r.getScorecardId(),
        r.getModelId().isEmpty() ? "" : " model " + r.getModelId(), r.getHorizonDays(),
        r.getMethod().isEmpty() ? "" : ", " + r.getMethod(), r.getAuc(), r.getSamples(), r.getPositives());
    if (!r.getModelId().isEmpty()) {
      out().printf(Locale.ROOT, "PR AUC %.3f, Brier %.3f, top decile lift %.1fx%n", r.getPrAuc(), r.getBrier(), r.getTopDecileLift());
    }
    out().printf(Locale.ROOT, "churn rate: red %.1f%%, yellow %.1f%%, green %.1f%%; red lift %.1fx, red recall %.0f%%%n",
        100 * r.getRedChurnRate(), 100 * r.getYellowChurnRate(), 100 * r.getGreenChurnRate(), r.getRedLift(), 100 * r.getRedRecall());
    CalibrateCommand.printBuckets(out(), r.getBucketsList());
    return ExitCodes.OK;
  }
}
