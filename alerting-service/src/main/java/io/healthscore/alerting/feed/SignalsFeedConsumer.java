package io.healthscore.alerting.feed;

import io.healthscore.alerting.engine.SignalsReader;
import io.healthscore.alerting.quality.OutcomeJudge;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.Outcome;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies signals-service's WatchChanges: an edited account is dropped from the account cache (on
 * the other replicas too, through a notice in the batch's transaction), a new outcome judges the
 * account's earlier alerts, and the account's rules are evaluated again (signal conditions,
 * renewal dates, scope); a batch of changes and its cursor commit together, so the
 * stream's follower (wired in AlertingServer) resumes after the last batch applied. A change that
 * fails to apply is set aside and retried ({@link IsolatingFeed}).
 */
public final class SignalsFeedConsumer {
  public static final String CONSUMER = "alerting.signals";

  private final SignalsReader signals;
  private final ReplicaNotices notices;
  private final OutcomeJudge judge;
  private final AccountReconciler reconciler;
  private final Runnable verdictsChanged;
  private final IsolatingFeed<AccountChange> feed;

  public SignalsFeedConsumer(SignalsReader signals, ReplicaNotices notices, OutcomeJudge judge,
      AccountReconciler reconciler, IsolatingFeed.Factory isolation, Runnable verdictsChanged) {
    this.signals = signals;
    this.notices = notices;
    this.judge = judge;
    this.reconciler = reconciler;
    this.verdictsChanged = verdictsChanged;
    this.feed = isolation.create(CONSUMER, this::apply,
        new IsolatingFeed.Codec<>(AccountChange::getCursor, AccountChange::getAccountId, AccountChange.parser()));
  }

  /** Applies one change; tests drive the consumer this way when it does not follow the stream. */
  public void handle(AccountChange change) {
    handle(List.of(change));
  }

  /** Applies changes in one transaction that also saves the last change's cursor. */
  public void handle(List<AccountChange> batch) {
    feed.handle(batch);
  }

  /** The isolation of changes that fail, and their retries. */
  public IsolatingFeed<AccountChange> isolation() {
    return feed;
  }

  private void apply(List<AccountChange> changes, boolean retry, IsolatingFeed.Step done) {
    // Read outside the transaction: a slow signals-service must not hold database locks.
    Map<String, List<Outcome>> outcomes = new HashMap<>();
    Set<String> edited = new LinkedHashSet<>();
    for (AccountChange change : changes) {
      if (change.getKindsList().contains(ChangeKind.CHANGE_KIND_ACCOUNT)) {
        signals.invalidate(change.getAccountId());
        edited.add(change.getAccountId());
      }
      if (change.getKindsList().contains(ChangeKind.CHANGE_KIND_OUTCOME)) {
        outcomes.computeIfAbsent(change.getAccountId(), signals::outcomes);
      }
    }
    int judged = reconciler.run(changes.stream().map(AccountChange::getAccountId).toList(), (c, pass) -> {
      int verdicts = 0;
      for (AccountChange change : changes) {
        List<Outcome> accountOutcomes = outcomes.get(change.getAccountId());
        if (accountOutcomes != null) {
          verdicts += judge.judge(c, change.getAccountId(), accountOutcomes);
        }
        pass.reconcile(change.getAccountId());
      }
      notices.accountsEdited(c, edited);
      done.run(c);
      return verdicts;
    });
    if (judged > 0) {
      verdictsChanged.run();
    }
  }
}
