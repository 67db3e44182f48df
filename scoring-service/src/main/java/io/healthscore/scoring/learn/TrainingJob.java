package io.healthscore.scoring.learn;

import com.google.protobuf.util.Timestamps;
import io.healthscore.scoring.learn.ebm.TrainingMonitor;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.Training;
import io.healthscore.v1.TrainingState;
import java.util.concurrent.CancellationException;

/**
 * One background training: its request, progress, stage and outcome. It is the training's
 * monitor: the work reports progress to it and polls it for cancellation. Thread-safe.
 */
public final class TrainingJob implements TrainingMonitor {
  private final String id;
  private final CalibrateRequest request;
  private final long startMillis;
  private volatile TrainingState state = TrainingState.TRAINING_STATE_QUEUED;
  private volatile boolean cancelRequested;
  private volatile double progress;
  private volatile String stage = "queued";
  private volatile long endMillis;
  private volatile String error = "";
  private volatile CalibrationReport report;

  TrainingJob(String id, CalibrateRequest request, long startMillis) {
    this.id = id;
    this.request = request;
    this.startMillis = startMillis;
  }

  public String id() {
    return id;
  }

  public boolean ended() {
    TrainingState s = state;
    return s != TrainingState.TRAINING_STATE_QUEUED && s != TrainingState.TRAINING_STATE_RUNNING;
  }

  @Override
  public synchronized void progress(double fraction, String newStage) {
    progress = Math.max(progress, Math.min(1, fraction));
    stage = newStage;
  }

  @Override
  public boolean cancelled() {
    return cancelRequested;
  }

  /** Ends the work here with a CancellationException when a cancel was asked for. */
  public void checkCancelled() {
    if (cancelRequested) {
      throw new CancellationException("cancelled");
    }
  }

  void requestCancel() {
    cancelRequested = true;
  }

  synchronized void started() {
    state = TrainingState.TRAINING_STATE_RUNNING;
  }

  synchronized void finish(TrainingState finalState, CalibrationReport result, String message, long nowMillis) {
    state = finalState;
    report = result;
    error = message;
    endMillis = nowMillis;
    if (finalState == TrainingState.TRAINING_STATE_DONE) {
      progress = 1;
      stage = "done";
    }
  }

  public synchronized Training toProto() {
    Training.Builder b =
        Training.newBuilder()
            .setTrainingId(id)
            .setState(state)
            .setProgress(progress)
            .setStage(stage)
            .setStartTime(Timestamps.fromMillis(startMillis))
            .setError(error)
            .setRequest(request);
    if (endMillis != 0) {
      b.setEndTime(Timestamps.fromMillis(endMillis));
    }
    if (report != null) {
      b.setReport(report);
    }
    return b.build();
  }
}
