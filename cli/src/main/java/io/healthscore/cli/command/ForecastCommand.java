package io.healthscore.cli.command;

import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.output.Json;
import io.healthscore.cli.output.Table;
import io.healthscore.v1.ForecastGrouping;
import io.healthscore.v1.ForecastRetentionRequest;
import io.healthscore.v1.ForecastRetentionResponse;
import io.healthscore.v1.RetentionForecast;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code forecast}: expected GRR, NRR and revenue at risk. */
@Command(name = "forecast", mixinStandardHelpOptions = true, description = "Expected gross and net revenue retention and revenue at risk.")
public final class ForecastCommand extends CliCommand {
  /** Grouping names on the command line. */
  enum By {
    total(ForecastGrouping.FORECAST_GROUPING_UNSPECIFIED),
    segment(ForecastGrouping.FORECAST_GROUPING_SEGMENT),
    band(ForecastGrouping.FORECAST_GROUPING_BAND),
    owner(ForecastGrouping.FORECAST_GROUPING_OWNER);

    final ForecastGrouping proto;

    By(ForecastGrouping proto) {
      this.proto = proto;
    }
  }

  @Option(names = "--by", defaultValue = "segment", description = "total, segment, band or owner (default ${DEFAULT-VALUE})")
  By by;

  @Option(names = "--days", defaultValue = "90", description = "forecast period in days (default ${DEFAULT-VALUE})")
  int days;

  @Override
  public Integer call() {
    ForecastRetentionResponse r = services().scoringLong().forecastRetention(
        ForecastRetentionRequest.newBuilder().setPeriodDays(days).setGrouping(by.proto).build());
    if (json()) {
      Json.print(out(), r);
      return ExitCodes.OK;
    }
    Table t = new Table("group", "accounts", "mrr", "churn", "contraction", "expansion", "GRR", "NRR", "at risk");
    for (RetentionForecast f : r.getGroupsList()) {
      row(t, f);
    }
    row(t, r.getTotal().toBuilder().setGroup("all").build());
    t.print(out());
    out().println("over " + days + " days; churn probabilities from " + r.getMethod());
    return ExitCodes.OK;
  }

  private static void row(Table t, RetentionForecast f) {
    t.row(f.getGroup(), f.getAccounts(), money(f.getStartingMrr()), money(f.getExpectedChurnMrr()), money(f.getExpectedContractionMrr()),
        money(f.getExpectedExpansionMrr()), String.format(Locale.ROOT, "%.1f%%", 100 * f.getExpectedGrr()),
        String.format(Locale.ROOT, "%.1f%%", 100 * f.getExpectedNrr()), money(f.getRevenueAtRisk()));
  }

  static String money(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }
}
