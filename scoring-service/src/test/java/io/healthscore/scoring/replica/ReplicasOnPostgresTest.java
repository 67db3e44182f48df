package io.healthscore.scoring.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.FeedLease;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.healthscore.scoring.feed.SignalsFeedConsumer;
import io.healthscore.scoring.support.MetricsText;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.GetRescoreRequest;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.PercentileMapping;
import io.healthscore.v1.Rescore;
import io.healthscore.v1.RescoreState;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.StartRescoreRequest;
import io.healthscore.v1.ValidateScorecardRequest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scoring-service replicas in one process on a shared PostgreSQL: what each serves follows the others. */
class ReplicasOnPostgresTest {
  static final String CARD = "logins";
  static final String LEASE_HELD = "healthscore_feed_lease_held";

  @TempDir Path dir;
  String url;
  ScoringHarness h;

  ScoringHarness harness(Map<String, String> extraEnv) {
    Optional<String> pg = PostgresTestSupport.jdbcUrl();
    Assumptions.assumeTrue(pg.isPresent(), "no PostgreSQL reachable (outside CI)");
    url = PostgresTestSupport.freshSchema(pg.get());
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put(ServiceConfig.DB_URL, url);
    env.put(ReplicaSync.POLL_INTERVAL, "50ms");
    h = new ScoringHarness(dir.resolve("data"), env).withScorecard(TestScorecards.logins(CARD));
    return h;
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  long count(String sql, String arg) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, arg);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static double leaseHeld(int metricsPort) {
    return MetricsText.value(MetricsText.scrape(metricsPort), LEASE_HELD, "feed=\"" + SignalsFeedConsumer.CONSUMER + "\"");
  }

  @Test
  void aHolderThatLostItsLeaseCommitsNoHalfOfASplitBatch() throws Exception {
    // Renewals far apart: the replica keeps believing it holds the lease after another took it.
    harness(Map.of(FeedLease.TTL, "5m")).start();
    assertEquals(1, leaseHeld(h.server().metricsPort()), "a lone replica holds the lease once started");

    // Both accounts arrive in one batch, one of them unreadable, so the batch is split.
    h.signals.feedDown(true);
    h.signals.unreadable.add("poison");
    for (String id : new String[] {"fine", "poison"}) {
      h.signals.setFeatures(id, Map.of(TestScorecards.FEATURE, 50.0));
      h.signals.putAccount(FakeSignalService.account(id, "smb", 10));
    }
    try (Connection c = DriverManager.getConnection(url);
        PreparedStatement s =
            c.prepareStatement("UPDATE stream_leases SET holder = 'another', fence = fence + 1 WHERE lease_name = ?")) {
      s.setString(1, SignalsFeedConsumer.CONSUMER);
      assertEquals(1, s.executeUpdate());
    }
    h.signals.feedDown(false);

    // The lease's loss shows at the first fenced commit; by then the halves were tried.
    Await.until("the replica finds it lost the lease", () -> leaseHeld(h.server().metricsPort()) == 0);
    assertEquals(0, count("SELECT COUNT(*) FROM scores WHERE account_id = ?", "fine"),
        "the readable half was not committed");
    assertEquals(0, count("SELECT COUNT(*) FROM set_aside_accounts WHERE account_id = ?", "poison"));
  }

  @Test
  void aMetricTheFeedHolderLearnsIsKnownOnEveryReplica() {
    harness(Map.of()).start();
    try (ScoringHarness.Replica other = h.replica()) {
      ValidateScorecardRequest logins =
          ValidateScorecardRequest.newBuilder().setScorecard(TestScorecards.logins(CARD)).build();
      String unknown = "no account has ever sent metric logins";
      assertTrue(warnings(other, logins).stream().anyMatch(w -> w.contains(unknown)), "nothing sent yet");

      // Whichever replica applies the change, the other learns the metric from its notice.
      h.signals.putAccount(FakeSignalService.account("a1", "smb", 10));
      h.signals.setFeatures("a1", Map.of(TestScorecards.FEATURE, 50.0));
      h.awaitFeedCaughtUp();
      Await.until("both replicas know the metric logins",
          () -> warnings(other, logins).stream().noneMatch(w -> w.contains(unknown))
              && h.stub().validateScorecard(logins).getWarningsList().stream().noneMatch(w -> w.contains(unknown)));
    }
  }

  /** The score of a new account with 25 logins, read from {@code stub}. */
  HealthScore fresh(ScoringServiceGrpc.ScoringServiceBlockingStub stub, String id) {
    h.signals.putAccount(FakeSignalService.account(id, "smb", 10));
    h.signals.setFeatures(id, Map.of(TestScorecards.FEATURE, 25.0));
    return stub.getScore(GetScoreRequest.newBuilder().setAccountId(id).build()).getScore();
  }

  static List<String> warnings(ScoringHarness.Replica replica, ValidateScorecardRequest request) {
    return replica.stub().validateScorecard(request).getWarningsList();
  }

  @Test
  void percentileDistributionsARescoreBuiltServeEveryReplica() {
    Scorecard logins = TestScorecards.logins(CARD);
    Scorecard byPercentile = logins.toBuilder()
        .setComponents(0, logins.getComponents(0).toBuilder()
            .setMeasures(0, logins.getComponents(0).getMeasures(0).toBuilder()
                .setPercentile(PercentileMapping.getDefaultInstance())))
        .build();
    harness(Map.of()).withScorecard(byPercentile).start();
    for (int i = 1; i <= 4; i++) {
      h.signals.putAccount(FakeSignalService.account("a" + i, "smb", 10));
      h.signals.setFeatures("a" + i, Map.of(TestScorecards.FEATURE, 10.0 * i));
    }
    h.awaitFeedCaughtUp();
    try (ScoringHarness.Replica other = h.replica()) {
      h.signals.feedDown(true); // from here only the rescore and the reads below compute scores
      Rescore started = h.stub().startRescore(StartRescoreRequest.newBuilder().setScorecardId(CARD).build()).getRescore();
      Await.until("the rescore on the first replica is done",
          () -> h.stub().getRescore(GetRescoreRequest.newBuilder().setRescoreId(started.getRescoreId()).build())
              .getRescore().getState() == RescoreState.RESCORE_STATE_DONE);
      HealthScore here = fresh(h.stub(), "here");
      assertFalse(here.getNoData(), "the rescoring replica compares with its sample");
      // Never scored before: the other replica computes it against the distributions it followed
      // (a new account each try, as a score computed without them would be cached).
      int[] tries = {0};
      HealthScore[] there = new HealthScore[1];
      Await.until("the other replica has the rescore's distributions",
          () -> !(there[0] = fresh(other.stub(), "there-" + tries[0]++)).getNoData());
      assertEquals(here.getScore(), there[0].getScore(), 1e-9);
    }
  }

  @Test
  void everyReplicaMarksItsScoresWhileTheApplyingOneCannotFollowSignals() {
    harness(Map.of()).start();
    h.signals.putAccount(FakeSignalService.account("a1", "smb", 10));
    h.signals.setFeatures("a1", Map.of(TestScorecards.FEATURE, 50.0));
    h.awaitFeedCaughtUp();
    try (ScoringHarness.Replica other = h.replica()) {
      GetScoreRequest a1 = GetScoreRequest.newBuilder().setAccountId("a1").build();
      assertFalse(other.stub().getScore(a1).getScore().hasSignalsUnreachableSince());

      h.signals.feedDown(true);
      Await.until("the applying replica marks its scores", () -> h.stub().getScore(a1).getScore().hasSignalsUnreachableSince());
      Await.until("the other replica marks them alike",
          () -> other.stub().getScore(a1).getScore().getSignalsUnreachableSince()
              .equals(h.stub().getScore(a1).getScore().getSignalsUnreachableSince()));

      h.signals.feedDown(false);
      Await.until("the mark cleared on both",
          () -> !h.stub().getScore(a1).getScore().hasSignalsUnreachableSince()
              && !other.stub().getScore(a1).getScore().hasSignalsUnreachableSince());
    }
  }
}
