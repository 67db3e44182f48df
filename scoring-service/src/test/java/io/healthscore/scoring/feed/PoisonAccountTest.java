package io.healthscore.scoring.feed;

import static io.healthscore.scoring.support.MetricsText.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.HarnessExtension;
import io.healthscore.scoring.support.MetricsText;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.GetRescoreRequest;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.Rescore;
import io.healthscore.v1.RescoreState;
import io.healthscore.v1.StartRescoreRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An account that cannot be applied is set aside and retried; the feed and rescores go on. */
class PoisonAccountTest {
  static final String CARD = "logins";

  @RegisterExtension final HarnessExtension scoring = new HarnessExtension(TestScorecards.logins(CARD));
  ScoringHarness h;

  @BeforeEach
  void harness() {
    h = scoring.harness();
  }

  Optional<HealthScore> stored(String id) {
    try {
      return Optional.of(h.stub().getScore(GetScoreRequest.newBuilder().setAccountId(id).build()).getScore());
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  double metric(String name, String... labels) {
    return value(MetricsText.scrape(h.server().metricsPort()), name, labels);
  }

  @Test
  void aFeedMeetingAnAccountThatFailsGoesOnWithTheOthersAndRetriesThatOne() {
    h.signals.unreadable.add("acct-013");
    for (int i = 0; i < 40; i++) {
      String id = String.format("acct-%03d", i);
      h.signals.setFeatures(id, Map.of(TestScorecards.FEATURE, 50.0));
      h.signals.putAccount(FakeSignalService.account(id, "smb", 10));
    }
    h.awaitFeedCaughtUp();

    // Every other account is scored; the cursor went past the one that failed.
    for (int i = 0; i < 40; i++) {
      if (i != 13) {
        assertEquals(5.5, h.stub().getScore(GetScoreRequest.newBuilder().setAccountId(String.format("acct-%03d", i)).build())
            .getScore().getScore(), 1e-6);
      }
    }
    assertEquals(1, metric("healthscore_scoring_set_aside_accounts"));
    assertTrue(metric("healthscore_scoring_apply_failures_total", "source=\"feed\"") >= 1);
    assertEquals(0, metric("healthscore_feed_reconnects_total"), "an account's failure is no outage");

    // Later changes keep flowing while the account waits.
    h.signals.setFeatures("acct-001", Map.of(TestScorecards.FEATURE, 90.0));
    h.awaitFeedCaughtUp();
    assertEquals(9.1, stored("acct-001").orElseThrow().getScore(), 1e-6);

    // Once its features can be read, the next retry scores it.
    h.signals.unreadable.clear();
    h.clock.advance(Duration.ofMinutes(11));
    Await.until("the set-aside account retried", () -> stored("acct-013").map(s -> Math.abs(s.getScore() - 5.5) < 1e-6).orElse(false));
    Await.until("none set aside", () -> metric("healthscore_scoring_set_aside_accounts") == 0);
    assertEquals(1, metric("healthscore_scoring_apply_recovered_total"));
  }

  @Test
  void aSetAsideAccountIsRetriedAfterARestart() {
    h.signals.unreadable.add("bad");
    h.signals.setFeatures("bad", Map.of(TestScorecards.FEATURE, 30.0));
    h.signals.putAccount(FakeSignalService.account("bad", "smb", 10));
    h.signals.putAccount(FakeSignalService.account("good", "smb", 10));
    h.awaitFeedCaughtUp();
    assertEquals(1, metric("healthscore_scoring_set_aside_accounts"));

    h.restart();
    assertEquals(1, metric("healthscore_scoring_set_aside_accounts"), "kept in the store");
    h.signals.unreadable.clear();
    h.clock.advance(Duration.ofMinutes(11));
    Await.until("retried after the restart", () -> stored("bad").map(s -> Math.abs(s.getScore() - 3.7) < 1e-6).orElse(false));
  }

  @Test
  void aRescoreSetsAsideTheAccountThatFailsAndFinishes() {
    for (int i = 0; i < 30; i++) {
      h.signals.setFeatures("r" + i, Map.of(TestScorecards.FEATURE, 20.0));
      h.signals.putAccount(FakeSignalService.account("r" + i, "smb", 10));
    }
    h.awaitFeedCaughtUp();
    h.signals.unreadable.add("r7");
    Rescore job = h.stub().startRescore(StartRescoreRequest.newBuilder().setScorecardId(CARD).build()).getRescore();
    Await.until("rescore done", () -> h.stub().getRescore(GetRescoreRequest.newBuilder().setRescoreId(job.getRescoreId()).build())
        .getRescore().getState() != RescoreState.RESCORE_STATE_RUNNING);
    Rescore done = h.stub().getRescore(GetRescoreRequest.newBuilder().setRescoreId(job.getRescoreId()).build()).getRescore();
    assertEquals(RescoreState.RESCORE_STATE_DONE, done.getState(), done.getError());
    assertEquals(30, done.getDone());
    assertEquals(1, done.getSetAside());
    assertTrue(metric("healthscore_scoring_apply_failures_total", "source=\"rescore\"") >= 1);
    assertEquals(1, metric("healthscore_scoring_set_aside_accounts"));
  }

  @Test
  void anOutageOfSignalsIsRetriedAsAWholeNotSetAside() {
    h.signals.putAccount(FakeSignalService.account("a", "smb", 10));
    h.awaitFeedCaughtUp();
    h.signals.featureStatus = Status.UNAVAILABLE;
    h.signals.setFeatures("a", Map.of(TestScorecards.FEATURE, 70.0));
    Await.until("a reconnect", () -> metric("healthscore_feed_reconnects_total") >= 1);
    h.signals.featureStatus = null;
    h.awaitFeedCaughtUp();
    assertEquals(7.3, stored("a").orElseThrow().getScore(), 1e-6);
    assertEquals(0, metric("healthscore_scoring_set_aside_accounts"));
  }
}
