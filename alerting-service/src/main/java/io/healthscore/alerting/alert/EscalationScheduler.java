package io.healthscore.alerting.alert;

import io.healthscore.alerting.playbook.EscalationStore;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.logging.FailureLog;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Escalates alerts nobody acknowledged in time. It scans the escalation table, not timers in
 * memory, so escalations due while the service was down happen right after it starts again.
 */
public final class EscalationScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EscalationScheduler.class);
  private final FailureLog failures = new FailureLog(LOG, "escalation scan");
  private static final int BATCH = 100;

  private final Database database;
  private final EscalationStore escalations;
  private final AlertLifecycle lifecycle;
  private final AlertTransactions transactions;
  private final Clock clock;
  private final Duration interval;
  private ScheduledExecutorService executor;

  public EscalationScheduler(Database database, EscalationStore escalations, AlertLifecycle lifecycle,
      AlertTransactions transactions, Clock clock, Duration interval) {
    this.database = database;
    this.escalations = escalations;
    this.lifecycle = lifecycle;
    this.transactions = transactions;
    this.clock = clock;
    this.interval = interval;
  }

  /** Scans every {@code interval} in the background. */
  public synchronized void start() {
    executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("alerting-escalations"));
    executor.scheduleWithFixedDelay(() -> failures.attempt(this::runDue), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Handles every escalation due now; returns how many alerts were escalated. */
  public int runDue() {
    int escalated = 0;
    List<EscalationStore.Escalation> due;
    do {
      long now = clock.millis();
      due = database.read(c -> escalations.due(c, now, BATCH));
      for (EscalationStore.Escalation e : due) {
        boolean done = transactions.run(tx ->
            escalations.markDone(tx.connection(), e.alertId(), e.stepIndex())
                && lifecycle.escalate(tx, e.alertId(), e.stepIndex(), e.channelId()));
        if (done) {
          escalated++;
        }
      }
    } while (due.size() == BATCH);
    return escalated;
  }

  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
