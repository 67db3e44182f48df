package io.healthscore.alerting.feed;

import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.logging.FailureLog;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-evaluates every known account now and then. Some conditions change with time alone: no
 * activity for N days becomes true precisely because nothing arrives on the feeds, a renewal date
 * comes within reach, a score drop leaves its window. Known accounts are those with a score or an
 * alert.
 */
public final class EvaluationSweep implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluationSweep.class);
  private final FailureLog failures = new FailureLog(LOG, "evaluation sweep");
  private static final int BATCH = 200;

  private final Database database;
  private final AccountReconciler reconciler;
  private final Duration interval;
  private ScheduledExecutorService executor;

  public EvaluationSweep(Database database, AccountReconciler reconciler, Duration interval) {
    this.database = database;
    this.reconciler = reconciler;
    this.interval = interval;
  }

  /** Sweeps every interval while {@code when} holds (on the replica that applies the score feed). */
  public synchronized void start(BooleanSupplier when) {
    executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("alerting-sweep"));
    executor.scheduleWithFixedDelay(() -> {
      if (when.getAsBoolean()) {
        failures.attempt(this::run);
      }
    }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Evaluates every known account once, a batch per transaction; returns how many were evaluated. */
  public int run() {
    int evaluated = 0;
    String after = "";
    while (true) {
      List<String> accounts = nextAccounts(after);
      if (accounts.isEmpty()) {
        return evaluated;
      }
      reconciler.run(accounts, (c, pass) -> {
        for (String account : accounts) {
          pass.reconcile(account);
        }
        return null;
      });
      evaluated += accounts.size();
      after = accounts.get(accounts.size() - 1);
    }
  }

  private List<String> nextAccounts(String after) {
    return database.read(c -> {
      List<String> accounts = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT account_id FROM (SELECT account_id FROM alert_account_scores UNION SELECT account_id FROM alerts) k "
              + "WHERE account_id > ? ORDER BY account_id LIMIT " + BATCH)) {
        s.setString(1, after);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            accounts.add(rs.getString(1));
          }
        }
      }
      return accounts;
    });
  }

  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
