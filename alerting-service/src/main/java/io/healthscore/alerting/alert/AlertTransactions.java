package io.healthscore.alerting.alert;

import io.healthscore.runtime.db.Database;
import java.sql.SQLException;

/**
 * The one way alerts change: a transaction whose alert changes raise events, the events appended
 * together at its end, and the dispatcher woken after the commit when there were any. The feeds
 * and the sweep (through the account reconciler), the escalation scan, the model health watch and
 * the API all go through it.
 *
 * <p>Appending last matters: the append locks the event counter until the commit (that is what
 * keeps cursors in commit order), so it is held for that one write and the commit, not for the rest
 * of a batch's evaluations, and two feeds' batches overlap all but their last moment.
 */
public final class AlertTransactions {
  private final Database database;
  private final AlertEventSink sink;

  public AlertTransactions(Database database, AlertEventSink sink) {
    this.database = database;
    this.sink = sink;
  }

  /** Work inside the transaction. */
  @FunctionalInterface
  public interface Work<R> {
    R apply(AlertTransaction tx) throws SQLException;
  }

  /** Runs {@code work} in one transaction, appends the events it raised, commits, then wakes the dispatcher. */
  public <R> R run(Work<R> work) {
    boolean[] appended = {false};
    R result = database.inTransaction(c -> {
      AlertTransaction tx = new AlertTransaction(c);
      R r = work.apply(tx);
      appended[0] = tx.appendRaised(sink);
      return r;
    });
    if (appended[0]) {
      sink.wakeUp();
    }
    return result;
  }
}
