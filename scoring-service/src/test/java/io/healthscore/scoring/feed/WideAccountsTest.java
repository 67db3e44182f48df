package io.healthscore.scoring.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.HarnessExtension;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.GetScoreRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Accounts far wider than what their scorecards read, and responses bounded in size. */
class WideAccountsTest {
  @RegisterExtension final HarnessExtension scoring = new HarnessExtension(TestScorecards.logins("logins"));
  ScoringHarness h;

  @BeforeEach
  void harness() {
    h = scoring.harness();
  }

  static Map<String, Double> features(int metrics, double logins) {
    Map<String, Double> f = new HashMap<>();
    for (int m = 0; m < metrics; m++) {
      for (String kind : List.of("sum_30d", "count_30d", "mean_30d", "trend_30d", "days_since_last")) {
        f.put("metric" + m + "." + kind, (double) m);
      }
    }
    f.put(TestScorecards.FEATURE, logins);
    return f;
  }

  double score(String id) {
    return h.stub().getScore(GetScoreRequest.newBuilder().setAccountId(id).build()).getScore().getScore();
  }

  @Test
  void anAccountWith500MetricsIsScoredFromWhatItsScorecardReads() {
    h.signals.setFeatures("wide", features(500, 80));
    h.signals.putAccount(FakeSignalService.account("wide", "smb", 100));
    h.awaitFeedCaughtUp();

    assertEquals(8.2, score("wide"), 1e-6);
    FeatureProjection asked = h.signals.projectionsLog.get(h.signals.projectionsLog.size() - 1);
    assertEquals(List.of(TestScorecards.FEATURE), asked.getNamesList());
    assertTrue(asked.getMetricsList().isEmpty() && !asked.getAccountAttributes());
  }

  @Test
  void aFeedBatchLargerThanOneResponseIsReadInParts() {
    h.signals.responseByteLimit = 200; // a handful of accounts per BatchGetFeatures response
    for (int i = 0; i < 300; i++) {
      String id = String.format("acct-%03d", i);
      h.signals.setFeatures(id, features(50, i % 100));
      h.signals.putAccount(FakeSignalService.account(id, "smb", 10));
    }
    h.awaitFeedCaughtUp();

    for (int i = 0; i < 300; i += 37) {
      assertEquals(1 + 0.09 * (i % 100), score(String.format("acct-%03d", i)), 1e-5);
    }
    assertTrue(h.signals.batchGetFeaturesCalls.get() > 30, "calls: " + h.signals.batchGetFeaturesCalls.get());
  }
}
