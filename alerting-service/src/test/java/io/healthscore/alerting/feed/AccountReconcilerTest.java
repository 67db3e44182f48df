package io.healthscore.alerting.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.healthscore.alerting.alert.AlertEventSink;
import io.healthscore.alerting.alert.AlertLifecycle;
import io.healthscore.alerting.alert.AlertStore;
import io.healthscore.alerting.alert.AlertTransactions;
import io.healthscore.alerting.engine.RuleEvaluator;
import io.healthscore.alerting.engine.ScoreStore;
import io.healthscore.alerting.playbook.EscalationStore;
import io.healthscore.alerting.playbook.PlaybookRunner;
import io.healthscore.alerting.playbook.TaskStore;
import io.healthscore.alerting.rule.RuleStore;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.Condition;
import io.healthscore.v1.Rule;
import io.healthscore.v1.SignalCondition;
import io.healthscore.v1.SignalConditionKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch with no rule to evaluate holds no account, so it never waits for a batch that does. */
class AccountReconcilerTest {
  @TempDir Path dir;
  Database db;
  RuleStore rules;
  final AccountLocks locks = new AccountLocks();
  AccountReconciler reconciler;

  @BeforeEach
  void open() {
    ServiceConfig config = ServiceConfig.fromMap("alerting-service", 0, 0, Map.of(ServiceConfig.DATA_DIR, dir.toString()));
    db = Database.open(config);
    db.migrate("io/healthscore/alerting/db", "alerting-core");
    Clock clock = Clock.systemUTC();
    rules = new RuleStore(db, clock);
    EscalationStore escalations = new EscalationStore();
    AlertLifecycle lifecycle = new AlertLifecycle(new AlertStore(), new RuleEvaluator(),
        new PlaybookRunner(new TaskStore(), escalations), escalations, clock, new SimpleMeterRegistry());
    AlertEventSink nowhere = new AlertEventSink() {
      @Override
      public void append(Connection tx, List<Raised> events) {
        throw new AssertionError("nothing is evaluated, so nothing is raised");
      }

      @Override
      public void wakeUp() {
        throw new AssertionError("nothing was appended");
      }
    };
    // No signals-service: a batch without rules to evaluate reads nothing ahead.
    reconciler = new AccountReconciler(new AlertTransactions(db, nowhere), rules, new ScoreStore(db), null,
        lifecycle, locks, clock);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aScoreChangeWhileOnlySignalRulesAreEnabledDoesNotWaitForTheAccountsHeldByTheSignalsFeed()
      throws Exception {
    rules.put(Rule.newBuilder().setRuleId("payment-failed").setName("payment failed")
        .setCondition(Condition.newBuilder().setSignal(SignalCondition.newBuilder().setKind(SignalConditionKind.SIGNAL_CONDITION_KIND_PAYMENT_FAILED).setDays(1)))
        .build());

    try (AccountLocks.Held signalsFeedBatch = locks.lock(List.of("acme"))) {
      CompletableFuture<String> scoresFeedBatch = CompletableFuture.supplyAsync(() ->
          reconciler.runRecordingScores(List.of("acme"), RuleEvaluator::readsScore, (c, pass) -> {
            pass.reconcile("acme");
            return "applied";
          }));

      assertEquals("applied", scoresFeedBatch.get(60, TimeUnit.SECONDS),
          "applied while the other batch still holds the account");
    }
  }
}
