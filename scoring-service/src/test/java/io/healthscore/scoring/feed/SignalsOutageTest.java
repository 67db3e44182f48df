package io.healthscore.scoring.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.HarnessExtension;
import io.healthscore.scoring.support.MetricsText;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.ListScoresRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * While signals-service is down, scoring-service serves the scores it has, each marked with since
 * when its feed has been out; once signals-service is back, the feed resumes after its stored
 * cursor, applies every change made meanwhile once, and the mark goes away.
 */
class SignalsOutageTest {
  static final String CARD = "logins";
  static final List<String> ACCOUNTS = List.of("acct-0", "acct-1", "acct-2", "acct-3", "acct-4");

  @RegisterExtension final HarnessExtension scoring = new HarnessExtension(TestScorecards.logins(CARD));
  ScoringHarness h;

  @BeforeEach
  void harness() {
    h = scoring.harness();
  }

  HealthScore score(String id) {
    return h.stub().getScore(GetScoreRequest.newBuilder().setAccountId(id).build()).getScore();
  }

  double changesApplied() {
    return MetricsText.value(MetricsText.scrape(h.server().metricsPort()), "healthscore_feed_changes_applied_total");
  }

  @Test
  void scoresAreServedMarkedWhileSignalsIsDownAndTheFeedResumesFromItsCursor() {
    for (String id : ACCOUNTS) {
      h.signals.setFeatures(id, Map.of(TestScorecards.FEATURE, 50.0));
      h.signals.putAccount(FakeSignalService.account(id, "smb", 10));
    }
    h.awaitFeedCaughtUp();
    long cursorBefore = h.server().appliedSignalsCursor();
    assertEquals(10, cursorBefore);
    assertFalse(score("acct-0").hasSignalsUnreachableSince(), "the feed is followed: no mark");
    int watchesBefore = h.signals.watchAfterCursors.size();

    long downAt = System.currentTimeMillis();
    h.stopSignals();
    // Recorded by signals-service (as if just before it went down): scoring learns of them only when it is back.
    h.signals.setFeatures("acct-1", Map.of(TestScorecards.FEATURE, 90.0));
    h.signals.setFeatures("acct-2", Map.of(TestScorecards.FEATURE, 30.0));

    Await.until("scores marked as behind", () -> score("acct-0").hasSignalsUnreachableSince());
    Timestamp since = score("acct-0").getSignalsUnreachableSince();
    assertTrue(Timestamps.toMillis(since) >= downAt && Timestamps.toMillis(since) <= System.currentTimeMillis(), since::toString);
    assertEquals(5.5, score("acct-1").getScore(), 1e-6, "the last score computed is served");
    List<HealthScore> batch =
        h.stub().batchGetScores(BatchGetScoresRequest.newBuilder().addAllAccountIds(ACCOUNTS).build()).getScoresList();
    assertEquals(ACCOUNTS.size(), batch.size());
    assertTrue(batch.stream().allMatch(s -> s.getSignalsUnreachableSince().equals(since)), batch::toString);
    List<HealthScore> listed = h.stub().listScores(ListScoresRequest.newBuilder().build()).getScoresList();
    assertEquals(ACCOUNTS.size(), listed.size());
    assertTrue(listed.stream().allMatch(s -> s.getSignalsUnreachableSince().equals(since)), listed::toString);
    assertEquals(cursorBefore, h.server().appliedSignalsCursor(), "nothing applied while signals is down");

    h.startSignals();
    h.awaitFeedCaughtUp();
    assertEquals(9.1, score("acct-1").getScore(), 1e-6);
    assertEquals(3.7, score("acct-2").getScore(), 1e-6);
    Await.until("the mark cleared", () -> !score("acct-0").hasSignalsUnreachableSince());
    assertTrue(
        h.stub().batchGetScores(BatchGetScoresRequest.newBuilder().addAllAccountIds(ACCOUNTS).build()).getScoresList()
            .stream().noneMatch(HealthScore::hasSignalsUnreachableSince));

    List<Long> reopened = h.signals.watchAfterCursors.subList(watchesBefore, h.signals.watchAfterCursors.size());
    assertEquals(cursorBefore, reopened.get(0), "the feed reopens after the stored cursor, not from the start: " + reopened);
    assertEquals(12, changesApplied(), "each change applied once, none missed");
  }
}
