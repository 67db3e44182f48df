package io.healthscore.scoring.fuzz;

import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.runtime.testing.fuzz.ServiceFuzzer;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.ListScorecardsRequest;
import io.healthscore.v1.ListScoresRequest;
import io.healthscore.v1.ListScoresResponse;
import io.healthscore.v1.Scoring;
import java.util.Map;
import java.util.Set;

/** The ScoringService fuzzer over a harness with two scored accounts ("x-1" is what the corpus names). */
final class ScoringFuzzing {
  private ScoringFuzzing() {}

  static ServiceFuzzer fuzzer(ScoringHarness harness) {
    for (String id : new String[] {"x-1", "acme"}) {
      harness.signals.putAccount(FakeSignalService.account(id, "smb", 1200));
      harness.signals.setFeatures(id, Map.of("logins.count_30d", 40.0, "account.license_utilization", 0.7));
    }
    // Both scored before the first state snapshot: a score arriving later on the feed is no change a request made.
    for (String id : new String[] {"x-1", "acme"}) {
      harness.stub().getScore(GetScoreRequest.newBuilder().setAccountId(id).build());
    }
    return new ServiceFuzzer(
        harness.channel(),
        Scoring.getDescriptor().findServiceByName("ScoringService"),
        () -> state(harness),
        Set.of("WatchScores"));
  }

  /** Scorecards, stored scores (with overrides) of every account. */
  private static String state(ScoringHarness harness) {
    StringBuilder state = new StringBuilder();
    state.append(harness.stub().listScorecards(ListScorecardsRequest.getDefaultInstance()));
    String token = "";
    do {
      ListScoresResponse page =
          harness.stub().listScores(ListScoresRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
      page.getScoresList().forEach(s -> state.append(s.getAccountId()).append(' ').append(s.getScorecardId())
          .append(' ').append(s.getScore()).append(' ').append(s.getOverride()).append(';'));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return state.toString();
  }
}
