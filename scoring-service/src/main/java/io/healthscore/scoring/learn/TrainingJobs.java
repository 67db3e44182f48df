package io.healthscore.scoring.learn;

import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.TrainingState;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trainings in the background, one at a time (training takes every core), the others queued in
 * order. A cancelled training ends at its next check (between boosting rounds or stages) and
 * stores nothing. Jobs live in memory (the latest 100 are kept); a restart forgets them, while the
 * models they stored stay.
 */
public final class TrainingJobs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingJobs.class);
  private static final int KEEP = 100;

  private final Clock clock;
  private final Map<String, TrainingJob> jobs = new LinkedHashMap<>();
  private final ExecutorService executor = Executors.newSingleThreadExecutor(DaemonThreads.named("training"));

  public TrainingJobs(Clock clock) {
    this.clock = clock;
  }

  /** Queues {@code work}, which trains with the job as its monitor and returns the report. */
  public synchronized TrainingJob start(CalibrateRequest request, Function<TrainingJob, CalibrationReport> work) {
    TrainingJob job = new TrainingJob(UUID.randomUUID().toString(), request, clock.millis());
    jobs.put(job.id(), job);
    while (jobs.size() > KEEP) {
      String oldest = jobs.keySet().iterator().next();
      if (!jobs.get(oldest).ended()) {
        break;
      }
      jobs.remove(oldest);
    }
    executor.execute(() -> run(job, work));
    return job;
  }

  public synchronized Optional<TrainingJob> get(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  /** Asks a queued or running training to stop at its next check. */
  public synchronized Optional<TrainingJob> cancel(String id) {
    TrainingJob job = jobs.get(id);
    if (job != null) {
      job.requestCancel();
    }
    return Optional.ofNullable(job);
  }

  private void run(TrainingJob job, Function<TrainingJob, CalibrationReport> work) {
    if (job.cancelled()) {
      job.finish(TrainingState.TRAINING_STATE_CANCELLED, null, "", clock.millis());
      return;
    }
    job.started();
    try {
      CalibrationReport report = work.apply(job);
      job.finish(TrainingState.TRAINING_STATE_DONE, report, "", clock.millis());
    } catch (CancellationException e) {
      job.finish(TrainingState.TRAINING_STATE_CANCELLED, null, "", clock.millis());
    } catch (RuntimeException e) {
      LOG.info("training " + job.id() + " failed", e);
      job.finish(TrainingState.TRAINING_STATE_FAILED, null, String.valueOf(e.getMessage()), clock.millis());
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      jobs.values().forEach(TrainingJob::requestCancel);
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
