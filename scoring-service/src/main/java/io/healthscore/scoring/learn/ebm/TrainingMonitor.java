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

  /** A monitor of a part of this work: its progress 0..1 reported as {@code from}..{@code to}. */
  default TrainingMonitor part(double from, double to) {
    TrainingMonitor whole = this;
    return new TrainingMonitor() {
      @Override
      public void progress(double fraction, String stage) {
        whole.progress(from + (to - from) * fraction, stage);
      }

      @Override
      public boolean cancelled() {
        return whole.cancelled();
      }
    };
  }
}
