package io.healthscore.alerting.feed;

import io.healthscore.alerting.engine.RuleEvaluator;
import io.healthscore.alerting.engine.ScoreStore;
import io.healthscore.v1.ScoreChange;
import java.util.List;

/**
 * Applies scoring-service's WatchScores changes: each change is stored (latest score, history
 * point) and the account's rules that read scores are evaluated; a batch of changes and its
 * cursor commit together, so the stream's follower (wired in AlertingServer) resumes after the
 * last batch applied. A change that fails to apply is set aside and retried ({@link
 * IsolatingFeed}).
 */
public final class ScoresFeedConsumer {
  public static final String CONSUMER = "alerting.scores";

  private final ScoreStore scores;
  private final AccountReconciler reconciler;
  private final IsolatingFeed<ScoreChange> feed;

  public ScoresFeedConsumer(ScoreStore scores, AccountReconciler reconciler, IsolatingFeed.Factory isolation) {
    this.scores = scores;
    this.reconciler = reconciler;
    this.feed = isolation.create(CONSUMER, this::apply,
        new IsolatingFeed.Codec<>(ScoreChange::getCursor, ScoresFeedConsumer::accountOf, ScoreChange.parser()));
  }

  /** Applies one change; tests drive the consumer this way when it does not follow the stream. */
  public void handle(ScoreChange change) {
    handle(List.of(change));
  }

  /** Applies changes in one transaction that also saves the last change's cursor. */
  public void handle(List<ScoreChange> batch) {
    feed.handle(batch);
  }

  /** The isolation of changes that fail, and their retries. */
  public IsolatingFeed<ScoreChange> isolation() {
    return feed;
  }

  /**
   * A retried change is stored only when no newer score of its account and scorecard arrived
   * meanwhile; its account is evaluated either way, on the rules that read its score (the others
   * are the signals feed's and the sweep's: a score change cannot open or clear their alerts).
   */
  private void apply(List<ScoreChange> changes, boolean retry, IsolatingFeed.Step done) {
    reconciler.runRecordingScores(changes.stream().map(ScoresFeedConsumer::accountOf).toList(), RuleEvaluator::readsScore, (c, pass) -> {
      for (ScoreChange change : changes) {
        if (!retry || !scores.hasNewer(c, change)) {
          scores.record(c, change);
        }
        pass.reconcile(accountOf(change));
      }
      done.run(c);
      return null;
    });
  }

  private static String accountOf(ScoreChange change) {
    return change.getAccountId().isEmpty() ? change.getCurrent().getAccountId() : change.getAccountId();
  }
}
