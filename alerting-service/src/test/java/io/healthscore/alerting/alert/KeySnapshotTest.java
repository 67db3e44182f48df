package io.healthscore.alerting.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.healthscore.alerting.engine.EvaluationContext;
import io.healthscore.alerting.engine.RuleEvaluator;
import io.healthscore.alerting.engine.ScoreState;
import io.healthscore.alerting.playbook.EscalationStore;
import io.healthscore.alerting.playbook.PlaybookRunner;
import io.healthscore.alerting.playbook.TaskStore;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.Account;
import io.healthscore.v1.Condition;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.Rule;
import io.healthscore.v1.SignalCondition;
import io.healthscore.v1.SignalConditionKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch that reads its keys' alerts once at the start of its transaction opens, keeps and
 * resolves the same alerts as one that reads them per evaluation, including an account evaluated
 * twice in the batch and one whose rule is cooling down.
 */
class KeySnapshotTest {
  private static final Rule PAYMENT = Rule.newBuilder().setRuleId("payment-failed").setName("payment failed")
      .setCondition(Condition.newBuilder().setSignal(SignalCondition.newBuilder()
          .setKind(SignalConditionKind.SIGNAL_CONDITION_KIND_PAYMENT_FAILED).setDays(1)))
      .build();

  @TempDir Path dir;
  Database db;
  AlertLifecycle lifecycle;
  AlertTransactions transactions;
  final List<String> raised = new ArrayList<>();

  @BeforeEach
  void open() {
    ServiceConfig config = ServiceConfig.fromMap("alerting-service", 0, 0, Map.of(ServiceConfig.DATA_DIR, dir.toString()));
    db = Database.open(config);
    db.migrate("io/healthscore/alerting/db", "alerting-core");
    EscalationStore escalations = new EscalationStore();
    lifecycle = new AlertLifecycle(new AlertStore(), new RuleEvaluator(),
        new PlaybookRunner(new TaskStore(), escalations), escalations, Clock.systemUTC(), new SimpleMeterRegistry());
    transactions = new AlertTransactions(db, new AlertEventSink() {
      @Override
      public void append(Connection tx, List<Raised> events) {
        events.forEach(r -> raised.add(r.event().getKind().name().replace("ALERT_EVENT_KIND_", "") + " "
            + r.event().getAlert().getAccountId()));
      }

      @Override
      public void wakeUp() {}
    });
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aBatchReadingItsKeysOnceRaisesWhatEvaluationsReadingEachKeyRaise() {
    assertEquals(List.of("RESOLVED cleared", "OPENED fresh"), batch(true));
  }

  @Test
  void theSameBatchWithoutTheSnapshot() {
    assertEquals(List.of("RESOLVED cleared", "OPENED fresh"), batch(false));
  }

  /**
   * "still-open" and "cleared" have an open alert, "cooling" one resolved an hour ago; then a batch
   * in which every account but "cleared" has a failed payment, "fresh" evaluated twice.
   */
  private List<String> batch(boolean snapshot) {
    for (String id : List.of("still-open", "cleared", "cooling")) {
      transactions.run(tx -> lifecycle.reconcile(tx, List.of(PAYMENT), new Ctx(id, true)));
    }
    String coolingAlert = db.read(c -> new AlertStore().findUnresolved(c, AlertStore.dedupKey("payment-failed", "cooling")))
        .orElseThrow().getAlertId();
    transactions.run(tx -> lifecycle.resolve(tx, coolingAlert, "", "someone", id -> Optional.of(PAYMENT)));
    raised.clear();

    List<String> batch = List.of("still-open", "cleared", "cooling", "fresh", "fresh");
    transactions.run(tx -> {
      KeySnapshot known = snapshot
          ? lifecycle.snapshot(tx.connection(), List.of(PAYMENT), new TreeSet<>(batch))
          : KeySnapshot.NONE;
      for (String id : batch) {
        lifecycle.reconcile(tx, List.of(PAYMENT), new Ctx(id, !id.equals("cleared")), known);
      }
      return null;
    });
    return raised;
  }

  /** An account whose only feature says whether a payment failed today. */
  private record Ctx(String accountId, boolean paymentFailed) implements EvaluationContext {
    @Override
    public Instant now() {
      return Instant.now();
    }

    @Override
    public List<ScoreState> scores() {
      return List.of();
    }

    @Override
    public Optional<Account> account() {
      return Optional.of(Account.newBuilder().setAccountId(accountId).build());
    }

    @Override
    public Optional<GetFeaturesResponse> features() {
      return Optional.of(GetFeaturesResponse.newBuilder().setAccountId(accountId)
          .putFeatures("billing.payment_failed.days_since_last", paymentFailed ? 0 : 30).build());
    }

    @Override
    public OptionalDouble maxScoreSince(String scorecardId, Instant since) {
      return OptionalDouble.empty();
    }

    @Override
    public OptionalDouble scoreAt(String scorecardId, Instant at) {
      return OptionalDouble.empty();
    }
  }
}
