package io.healthscore.alerting.fakes;

import io.grpc.stub.StreamObserver;
import io.healthscore.v1.Band;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.ScoreChange;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.Trend;
import io.healthscore.v1.WatchScoresRequest;
import io.healthscore.v1.WatchScoresResponse;
import com.google.protobuf.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** scoring-service as alerting sees it: a WatchScores stream tests push score changes into. */
public final class FakeScoringService extends ScoringServiceGrpc.ScoringServiceImplBase {
  private final FeedBroadcaster<ScoreChange, WatchScoresResponse> feed =
      new FeedBroadcaster<>(ScoreChange::getCursor, c -> WatchScoresResponse.newBuilder().setChange(c).build());
  private final Map<String, HealthScore> latest = new HashMap<>();
  private final Clock clock;
  private final List<Long> requestedCursors = new ArrayList<>();

  public FakeScoringService(Clock clock) {
    this.clock = clock;
  }

  /** The band of a score with the default cut-offs (yellow from 4, green from 7). */
  public static Band bandOf(double score) {
    return score < 4 ? Band.BAND_RED : score < 7 ? Band.BAND_YELLOW : Band.BAND_GREEN;
  }

  /** A primary score with the default band and no trend. */
  public ScoreChange push(String account, String scorecard, double score) {
    return push(account, scorecard, score, bandOf(score), Trend.getDefaultInstance());
  }

  /** The neutral placeholder scoring-service publishes for an account without signals yet. */
  public ScoreChange pushNoData(String account, String scorecard) {
    return push(account, scorecard, 5.5, Band.BAND_YELLOW, Trend.getDefaultInstance(), true);
  }

  /** Publishes the change from the account's previous score to this one; returns it with its cursor. */
  public ScoreChange push(String account, String scorecard, double score, Band band, Trend trend) {
    return push(account, scorecard, score, band, trend, false);
  }

  private synchronized ScoreChange push(
      String account, String scorecard, double score, Band band, Trend trend, boolean noData) {
    String key = account + "/" + scorecard;
    HealthScore previous = latest.get(key);
    var now = clock.instant();
    HealthScore current = HealthScore.newBuilder()
        .setAccountId(account)
        .setScorecardId(scorecard)
        .setScore(score)
        .setBand(band)
        .setTrend(trend)
        .setPrimary(true)
        .setNoData(noData)
        .setComputedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .build();
    ScoreChange.Builder change = ScoreChange.newBuilder()
        .setCursor(feed.nextCursor())
        .setAccountId(account)
        .setScorecardId(scorecard)
        .setCurrent(current)
        .setBandChanged(previous == null || previous.getBand() != band)
        .setChangeTime(current.getComputedAt());
    if (previous != null) {
      change.setPrevious(previous);
    }
    latest.put(key, current);
    ScoreChange built = change.build();
    feed.publish(built);
    return built;
  }

  /** Ends every WatchScores stream with UNAVAILABLE. */
  public void breakStreams() {
    feed.breakStreams();
  }

  public int watchers() {
    return feed.watcherCount();
  }

  /** The after_cursor of every WatchScores call so far. */
  public synchronized List<Long> requestedCursors() {
    return List.copyOf(requestedCursors);
  }

  @Override
  public void watchScores(WatchScoresRequest request, StreamObserver<WatchScoresResponse> responseObserver) {
    synchronized (this) {
      requestedCursors.add(request.getAfterCursor());
    }
    feed.watch(request.getAfterCursor(), responseObserver);
  }
}
