package io.healthscore.cli.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.StatusRuntimeException;
import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.output.Json;
import io.healthscore.cli.output.Terminal;
import io.healthscore.scoring.engine.FeatureNames;
import io.healthscore.v1.ExplainScoreRequest;
import io.healthscore.v1.ExplainScoreResponse;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.HealthScore;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code explain ACCOUNT}: the score in words, then a note on metrics no scorecard reads. */
@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Why an account has its score: drivers in words, missing and stale inputs, and the account's metrics no scorecard reads.")
public final class ExplainCommand extends CliCommand {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "ACCOUNT")
  String accountId;

  @Option(names = "--scorecard", description = "explain this scorecard's score instead of the primary")
  String scorecard;

  @Override
  public Integer call() throws java.io.IOException {
    ExplainScoreRequest.Builder q = ExplainScoreRequest.newBuilder().setAccountId(accountId);
    if (scorecard != null) {
      q.setScorecardId(scorecard);
    }
    ExplainScoreResponse r = services().scoring().explainScore(q.build());
    Set<String> unread = unreadMetrics(r.getScore());
    if (json()) {
      ObjectNode n = (ObjectNode) MAPPER.readTree(Json.of(r));
      unread.forEach(n.putArray("metrics_no_scorecard_reads")::add);
      out().println(n.toPrettyString());
      return ExitCodes.OK;
    }
    HealthScore s = r.getScore();
    out().printf(Locale.ROOT, "%s: %.1f %s (scorecard %s v%d, coverage %.0f%%)%n", accountId, s.getScore(),
        Terminal.band(s.getBand(), Terminal.interactive()), s.getScorecardId(), s.getScorecardVersion(), 100 * s.getCoverage());
    out().println(r.getSummary());
    out().println();
    for (String line : r.getLinesList()) {
      out().println("  " + line);
    }
    if (!unread.isEmpty()) {
      out().println();
      out().println("Note: this account sends metrics no active scorecard reads: " + String.join(", ", unread)
          + ". See docs/mapping.md to map them.");
    }
    return ExitCodes.OK;
  }

  /** The account's metrics (from its features) that no active scorecard reads; empty when that cannot be told. */
  private Set<String> unreadMetrics(HealthScore score) {
    try {
      GetFeaturesResponse f = services().signals().getFeatures(GetFeaturesRequest.newBuilder().setAccountId(accountId).build());
      Set<String> metrics = new TreeSet<>();
      for (String feature : f.getFeaturesMap().keySet()) {
        if (!isAccountAttribute(feature)) {
          metrics.add(FeatureNames.metricOf(feature));
        }
      }
      f.getLabelsMap().keySet().stream().filter(label -> !isAccountAttribute(label)).forEach(metrics::add);
      return ScorecardReads.active(services()).unread(metrics);
    } catch (StatusRuntimeException e) {
      return Set.of();
    }
  }

  /** Features and labels of the account record itself (docs/features.md), not metrics a producer sends. */
  private static boolean isAccountAttribute(String name) {
    return name.startsWith("account.") || name.startsWith("attr.");
  }
}
