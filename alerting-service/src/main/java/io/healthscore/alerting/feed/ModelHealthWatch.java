package io.healthscore.alerting.feed;

import io.healthscore.alerting.alert.AlertLifecycle;
import io.healthscore.alerting.alert.AlertTransactions;
import io.healthscore.alerting.engine.RuleEvaluator;
import io.healthscore.alerting.rule.RuleStore;
import io.healthscore.alerting.upstream.ModelHealthSource;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.logging.FailureLog;
import io.healthscore.v1.ModelHealth;
import io.healthscore.v1.Rule;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks scoring-service now and then how its learned churn model holds up, and reconciles the rules
 * that watch it (recalibration_due): an alert opens once when the model becomes due and resolves
 * when another model is activated. Nothing is asked while no enabled rule watches the model.
 */
public final class ModelHealthWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelHealthWatch.class);
  private final FailureLog failures = new FailureLog(LOG, "model health watch");

  private final AlertTransactions transactions;
  private final RuleStore rules;
  private final ModelHealthSource source;
  private final AlertLifecycle lifecycle;
  private final Duration interval;
  private ScheduledExecutorService executor;

  public ModelHealthWatch(AlertTransactions transactions, RuleStore rules, ModelHealthSource source,
      AlertLifecycle lifecycle, Duration interval) {
    this.transactions = transactions;
    this.rules = rules;
    this.source = source;
    this.lifecycle = lifecycle;
    this.interval = interval;
  }

  /** Checks every interval while {@code when} holds (on the replica that applies the score feed). */
  public synchronized void start(BooleanSupplier when) {
    executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("alerting-model-health"));
    executor.scheduleWithFixedDelay(() -> {
      if (when.getAsBoolean()) {
        failures.attempt(this::run);
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Reads the model's health once and reconciles every enabled rule watching it; returns how many. */
  public int run() {
    List<Rule> watching = watchingRules(rules.list());
    if (watching.isEmpty()) {
      return 0;
    }
    // Read before the transaction: no lock is held across a call to another service.
    Optional<ModelHealth> health = source.activeModelHealth();
    transactions.run(tx -> {
      for (Rule rule : watchingRules(rules.list(tx.connection()))) {
        lifecycle.reconcileModel(tx, rule, health);
      }
      return null;
    });
    return watching.size();
  }

  private static List<Rule> watchingRules(List<Rule> all) {
    return all.stream().filter(r -> !r.getDisabled() && RuleEvaluator.watchesModel(r)).toList();
  }

  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
