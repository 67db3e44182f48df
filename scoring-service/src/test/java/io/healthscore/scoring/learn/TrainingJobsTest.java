package io.healthscore.scoring.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.TrainingState;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TrainingJobsTest {
  static void awaitEnd(TrainingJob job) throws InterruptedException {
    for (int i = 0; i < 500 && !job.ended(); i++) {
      Thread.sleep(10);
    }
    assertTrue(job.ended(), job.toProto().toString());
  }

  @Test
  void aRunningTrainingStopsAtItsNextCheckWhenCancelled() throws Exception {
    try (TrainingJobs jobs = new TrainingJobs(Clock.systemUTC())) {
      CountDownLatch running = new CountDownLatch(1);
      TrainingJob job =
          jobs.start(CalibrateRequest.getDefaultInstance(), monitor -> {
            monitor.progress(0.5, "boosting");
            running.countDown();
            while (true) {
              monitor.checkCancelled();
              Thread.onSpinWait();
            }
          });
      assertTrue(running.await(5, TimeUnit.SECONDS));
      assertEquals(TrainingState.TRAINING_STATE_RUNNING, job.toProto().getState());
      assertEquals("boosting", job.toProto().getStage());
      jobs.cancel(job.id());
      awaitEnd(job);
      assertEquals(TrainingState.TRAINING_STATE_CANCELLED, job.toProto().getState());
      assertEquals(0.5, job.toProto().getProgress(), 1e-9);
    }
  }

  @Test
  void aFailureEndsTheTrainingWithItsReasonAndTheNextOneRuns() throws Exception {
    try (TrainingJobs jobs = new TrainingJobs(Clock.systemUTC())) {
      TrainingJob failing = jobs.start(CalibrateRequest.getDefaultInstance(), m -> {
        throw new FailedPreconditionException("no outcomes recorded");
      });
      TrainingJob next = jobs.start(CalibrateRequest.getDefaultInstance(),
          m -> CalibrationReport.newBuilder().setModelId("m1").build());
      awaitEnd(failing);
      awaitEnd(next);
      assertEquals(TrainingState.TRAINING_STATE_FAILED, failing.toProto().getState());
      assertEquals("no outcomes recorded", failing.toProto().getError());
      assertEquals(TrainingState.TRAINING_STATE_DONE, next.toProto().getState());
      assertEquals("m1", next.toProto().getReport().getModelId());
    }
  }
}
