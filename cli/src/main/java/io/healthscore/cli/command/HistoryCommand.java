package io.healthscore.cli.command;

import com.google.protobuf.util.Timestamps;
import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.output.Json;
import io.healthscore.cli.output.Sparkline;
import io.healthscore.cli.output.Table;
import io.healthscore.cli.output.Terminal;
import io.healthscore.v1.GetScoreHistoryRequest;
import io.healthscore.v1.GetScoreHistoryResponse;
import io.healthscore.v1.ScorePoint;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code history ACCOUNT}: stored score changes with a sparkline. */
@Command(name = "history", mixinStandardHelpOptions = true, description = "An account's score over time, with a sparkline.")
public final class HistoryCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "ACCOUNT")
  String accountId;

  @Option(names = "--days", defaultValue = "365", description = "how far back (default ${DEFAULT-VALUE})")
  int days;

  @Option(names = "--scorecard", description = "this scorecard's history instead of the primary's")
  String scorecard;

  @Override
  public Integer call() {
    GetScoreHistoryRequest.Builder q = GetScoreHistoryRequest.newBuilder()
        .setAccountId(accountId)
        .setStartTime(Timestamps.fromMillis(Instant.now().minus(days, ChronoUnit.DAYS).toEpochMilli()))
        .setPageSize(1000);
    if (scorecard != null) {
      q.setScorecardId(scorecard);
    }
    GetScoreHistoryResponse r = services().scoring().getScoreHistory(q.build());
    if (json()) {
      Json.print(out(), r);
      return ExitCodes.OK;
    }
    List<ScorePoint> points = r.getPointsList();
    if (points.isEmpty()) {
      out().println(accountId + ": no score history in the last " + days + " days");
      return ExitCodes.OK;
    }
    out().printf(Locale.ROOT, "%s (%s): %s  %.1f -> %.1f over %d changes%n", accountId, r.getScorecardId(),
        Sparkline.of(points.stream().map(ScorePoint::getScore).toList()), points.get(0).getScore(),
        points.get(points.size() - 1).getScore(), points.size());
    Table t = new Table("when", "score", "band", "coverage", "version");
    boolean colour = Terminal.interactive();
    for (ScorePoint p : points) {
      t.row(Timestamps.toString(p.getComputedAt()), String.format(Locale.ROOT, "%.1f", p.getScore()) + (p.getOverridden() ? "*" : ""),
          Terminal.band(p.getBand(), colour), String.format(Locale.ROOT, "%.0f%%", 100 * p.getCoverage()), p.getScorecardVersion());
    }
    t.print(out());
    return ExitCodes.OK;
  }
}
