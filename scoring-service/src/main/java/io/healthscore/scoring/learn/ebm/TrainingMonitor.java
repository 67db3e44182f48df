package io.healthscore.scoring.learn.ebm;

/** Receives a training's progress and may cancel it. Called from the training threads. */
public interface TrainingMonitor {
  TrainingMonitor NONE =
      new TrainingMonitor() {
        @Override
        public void progress(double fraction, String stage) {}

        @Override
        public boolean cancelled() {
          return false;
        }
      };

  /** {@code fraction} of the work done so far (0..1, never decreasing) and the current stage. */
  void progress(double fraction, String stage);

  /** Polled between boosting rounds; true ends the training with a CancellationException. */
  boolean cancelled();
}
