package io.healthscore.demo;

import io.healthscore.cli.local.Suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.client.Channels;
import io.healthscore.v1.Account;
import io.healthscore.v1.AlertState;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ScoreChange;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.UpsertAccountsRequest;
import io.healthscore.v1.WatchScoresRequest;
import io.healthscore.v1.WatchScoresResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three real services in one JVM, talking over loopback: signal in, score and alert out. */
class EndToEndTest {
  @TempDir Path dataRoot;
  private Suite suite;

  @BeforeEach
  void start() {
    suite = Suite.start(dataRoot,
        Map.of("HEALTHSCORE_WEBHOOK_ALLOWLIST", "127.0.0.1", "HEALTHSCORE_FEED_COALESCE_WINDOW", "50ms"),
        false);
  }

  @AfterEach
  void stop() {
    suite.close();
  }

  @Test
  void aChangedSignalChangesTheScoreAndEmitsAScoreChange() throws Exception {
    ManagedChannel signals = Channels.forAddress("localhost:" + suite.signalsPort());
    ManagedChannel scoring = Channels.forAddress("localhost:" + suite.scoringPort());
    try {
      Instant now = Instant.now();
      DemoData data = new DemoData(now, 90, 7);
      Account account = data.accounts(1).get(0);
      SignalServiceGrpc.newBlockingStub(signals).withDeadlineAfter(10, TimeUnit.SECONDS)
          .upsertAccounts(UpsertAccountsRequest.newBuilder().addAccounts(account).build());
      ingest(signals, data.history(account, DemoData.Profile.THRIVING));
      String id = account.getAccountId();
      HealthScore scored = awaitScore(scoring, id, s -> !s.getNoData());
      // Settled: the load's last batches (and the rescore when a milestone metric first appears) are applied.
      for (int unchanged = 0; unchanged < 3; ) {
        Thread.sleep(500);
        HealthScore latest = awaitScore(scoring, id, s -> !s.getNoData());
        unchanged = latest.getComputedAt().equals(scored.getComputedAt()) ? unchanged + 1 : 0;
        scored = latest;
      }
      HealthScore first = scored;

      LinkedBlockingQueue<ScoreChange> changes = new LinkedBlockingQueue<>();
      ScoringServiceGrpc.newStub(scoring).watchScores(WatchScoresRequest.getDefaultInstance(),
          new StreamObserver<WatchScoresResponse>() {
            @Override public void onNext(WatchScoresResponse r) { changes.add(r.getChange()); }
            @Override public void onError(Throwable t) {}
            @Override public void onCompleted() {}
          });

      ingest(signals, data.downturn(id));
      HealthScore second = awaitScore(scoring, id, s -> s.getScore() < first.getScore() - 0.5);
      assertTrue(second.getScore() < first.getScore(), "score fell: " + first.getScore() + " -> " + second.getScore());

      ScoreChange change = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        ScoreChange c = changes.poll(1, TimeUnit.SECONDS);
        if (c != null && c.getAccountId().equals(id) && c.hasPrevious()
            && c.getCurrent().getScore() < c.getPrevious().getScore() - 0.5) {
          change = c;
          break;
        }
      }
      assertNotEquals(null, change, "a WatchScores event carries the drop");
      assertEquals(second.getScore(), change.getCurrent().getScore(), 1e-6);
      assertEquals(first.getScore(), change.getPrevious().getScore(), 1e-6);
    } finally {
      signals.shutdownNow();
      scoring.shutdownNow();
    }
  }

  private static void ingest(ManagedChannel signals, List<Signal> batch) {
    var response = SignalServiceGrpc.newBlockingStub(signals).withDeadlineAfter(30, TimeUnit.SECONDS)
        .ingestSignals(IngestSignalsRequest.newBuilder().addAllSignals(batch).setAtomic(true).build());
    assertEquals(batch.size(), response.getAccepted());
  }

  private static HealthScore awaitScore(ManagedChannel scoring, String id,
      java.util.function.Predicate<HealthScore> until) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    HealthScore last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = ScoringServiceGrpc.newBlockingStub(scoring).withDeadlineAfter(5, TimeUnit.SECONDS)
            .getScore(GetScoreRequest.newBuilder().setAccountId(id).build()).getScore();
        if (until.test(last)) {
          return last;
        }
      } catch (io.grpc.StatusRuntimeException e) {
        // NOT_FOUND until scoring-service has seen the account on the change feed.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("score of " + id + " never matched; last " + last);
  }
}
