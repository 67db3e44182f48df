package io.healthscore.cli.command;

import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.output.Json;
import io.healthscore.cli.output.Table;
import io.healthscore.cli.output.Terminal;
import io.healthscore.scoring.scoring.ScoreViews;
import io.healthscore.v1.Account;
import io.healthscore.v1.Band;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.ListScoresRequest;
import io.healthscore.v1.ListScoresResponse;
import io.healthscore.v1.ScoreOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code scores list}. */
@Command(name = "scores", mixinStandardHelpOptions = true, description = "Read health scores.", subcommands = ScoresCommand.ListScores.class)
public final class ScoresCommand {
  /** Under a served learned model every score carries all its terms as drivers: small pages. */
  static final int SCORES_PER_PAGE = 100;

  /** Score order names on the command line. */
  enum Order {
    score(ScoreOrder.SCORE_ORDER_SCORE_ASC),
    score_desc(ScoreOrder.SCORE_ORDER_SCORE_DESC),
    mrr_at_risk(ScoreOrder.SCORE_ORDER_MRR_AT_RISK_DESC);

    final ScoreOrder proto;

    Order(ScoreOrder proto) {
      this.proto = proto;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Primary scores, lowest first by default; --order mrr-at-risk puts the most MRR at risk first.")
  static final class ListScores extends CliCommand {
    @Option(names = "--band", split = ",", description = "only these bands: red, yellow, green (comma-separated)")
    List<String> bands = new ArrayList<>();

    @Option(names = "--segment", description = "only accounts of this segment")
    String segment;

    @Option(names = "--owner", description = "only accounts of this owner")
    String owner;

    @Option(names = "--scorecard", description = "scores of this scorecard instead of each account's primary")
    String scorecard;

    @Option(names = "--order", defaultValue = "score", description = "score, score-desc or mrr-at-risk (default ${DEFAULT-VALUE})",
        converter = OrderConverter.class)
    Order order;

    @Option(names = "--limit", defaultValue = "20", description = "at most this many rows (default ${DEFAULT-VALUE})")
    int limit;

    @Override
    public Integer call() {
      ListScoresRequest.Builder q = ListScoresRequest.newBuilder().setOrder(order.proto);
      for (String b : bands) {
        q.addBands(Bands.parse(b));
      }
      if (segment != null) {
        q.setSegment(segment);
      }
      if (scorecard != null) {
        q.setScorecardId(scorecard);
      }
      Accounts accounts = new Accounts(services());
      Map<String, Account> owned = owner == null ? null : accounts.all(owner);
      List<HealthScore> found = new ArrayList<>();
      String token = "";
      long total = 0;
      do {
        ListScoresResponse page = services().scoring().listScores(q.setPageSize(owned == null ? Math.min(SCORES_PER_PAGE, Math.max(1, limit)) : SCORES_PER_PAGE).setPageToken(token).build());
        total = page.getTotalSize();
        for (HealthScore s : page.getScoresList()) {
          if ((owned == null || owned.containsKey(s.getAccountId())) && found.size() < limit) {
            found.add(s);
          }
        }
        token = page.getNextPageToken();
      } while (!token.isEmpty() && found.size() < limit);
      if (json()) {
        Json.printArray(out(), found);
        return ExitCodes.OK;
      }
      boolean colour = Terminal.interactive();
      Table t = new Table("account", "score", "band", "mrr", "mrr at risk", "churn", "coverage", "top driver");
      for (HealthScore s : found) {
        Account a = accounts.get(s.getAccountId());
        double churn = s.hasChurnProbability() ? s.getChurnProbability() : ScoreViews.bandChurnRate(s.getBand());
        t.row(s.getAccountId(), String.format(Locale.ROOT, "%.1f", s.getScore()), Terminal.band(s.getBand(), colour),
            String.format(Locale.ROOT, "%,.0f", a.getMrr()), String.format(Locale.ROOT, "%,.0f", a.getMrr() * churn),
            s.hasChurnProbability() ? String.format(Locale.ROOT, "%.0f%%", 100 * churn) : "",
            String.format(Locale.ROOT, "%.0f%%", 100 * s.getCoverage()),
            s.getDriversCount() > 0 ? s.getDrivers(0).getSentence() : "");
      }
      t.print(out());
      out().printf(Locale.ROOT, "%d of %,d scores%s%n", found.size(), total, owner == null ? "" : " (before the owner filter)");
      return ExitCodes.OK;
    }
  }

  /** Accepts {@code mrr-at-risk} as well as {@code mrr_at_risk}. */
  static final class OrderConverter implements picocli.CommandLine.ITypeConverter<Order> {
    @Override
    public Order convert(String value) {
      return Order.valueOf(value.toLowerCase(Locale.ROOT).replace('-', '_'));
    }
  }

  /** Band names on the command line. */
  static final class Bands {
    private Bands() {}

    static Band parse(String name) {
      return switch (name.strip().toLowerCase(Locale.ROOT)) {
        case "red" -> Band.BAND_RED;
        case "yellow" -> Band.BAND_YELLOW;
        case "green" -> Band.BAND_GREEN;
        default -> throw new io.healthscore.cli.UsageException("unknown band '" + name + "': red, yellow or green");
      };
    }
  }
}
