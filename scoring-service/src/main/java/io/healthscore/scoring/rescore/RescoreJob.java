package io.healthscore.scoring.rescore;

import com.google.protobuf.util.Timestamps;
import io.healthscore.v1.Rescore;
import io.healthscore.v1.RescoreState;
import java.util.concurrent.atomic.AtomicLong;

/** One background rescore: its scope, progress and state. Thread-safe. */
public final class RescoreJob {
  private final String id;
  private final String scorecardId;
  private final long startMillis;
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong setAside = new AtomicLong();
  private volatile RescoreState state = RescoreState.RESCORE_STATE_RUNNING;
  private volatile boolean cancelRequested;
  private volatile long endMillis;
  private volatile String error = "";

  RescoreJob(String id, String scorecardId, long startMillis) {
    this.id = id;
    this.scorecardId = scorecardId;
    this.startMillis = startMillis;
  }

  public String id() {
    return id;
  }

  /** Empty for all scorecards. */
  public String scorecardId() {
    return scorecardId;
  }

  public boolean running() {
    return state == RescoreState.RESCORE_STATE_RUNNING;
  }

  boolean cancelRequested() {
    return cancelRequested;
  }

  void requestCancel() {
    cancelRequested = true;
  }

  void setTotal(long n) {
    total.set(n);
  }

  void addDone(long n) {
    done.addAndGet(n);
  }

  void addSetAside(long n) {
    setAside.addAndGet(n);
  }

  synchronized void finish(RescoreState finalState, String message, long nowMillis) {
    if (state == RescoreState.RESCORE_STATE_RUNNING) {
      state = finalState;
      error = message;
      endMillis = nowMillis;
    }
  }

  public Rescore toProto() {
    Rescore.Builder b =
        Rescore.newBuilder()
            .setRescoreId(id)
            .setState(state)
            .setTotal(total.get())
            .setDone(done.get())
            .setSetAside(setAside.get())
            .setStartTime(Timestamps.fromMillis(startMillis))
            .setError(error)
            .setScorecardId(scorecardId);
    if (endMillis != 0) {
      b.setEndTime(Timestamps.fromMillis(endMillis));
    }
    return b.build();
  }
}
