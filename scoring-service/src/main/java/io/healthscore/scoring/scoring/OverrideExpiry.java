package io.healthscore.scoring.scoring;

import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.logging.FailureLog;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.store.OverrideRecord;
import io.healthscore.scoring.store.OverrideStore;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.AccountInfo;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expired overrides stop applying at once on reads; this sweeper also removes them (audited as
 * "expire") and republishes the computed score, so ListScores, history and WatchScores follow.
 */
public final class OverrideExpiry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OverrideExpiry.class);
  private final FailureLog failures = new FailureLog(LOG, "override expiry sweep");

  private final OverrideStore overrides;
  private final ScorecardRegistry scorecards;
  private final AccountDirectory directory;
  private final Scorer scorer;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("override-expiry"));

  public OverrideExpiry(
      OverrideStore overrides, ScorecardRegistry scorecards, AccountDirectory directory, Scorer scorer) {
    this.overrides = overrides;
    this.scorecards = scorecards;
    this.directory = directory;
    this.scorer = scorer;
  }

  /** Sweeps every {@code every} while {@code when} holds (on the replica that applies the feed). */
  public void start(Duration every, BooleanSupplier when) {
    timer.scheduleWithFixedDelay(
        () -> {
          if (when.getAsBoolean()) {
            failures.attempt(this::sweep);
          }
        },
        every.toMillis(),
        every.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Removes every expired override; returns how many. */
  public int sweep() {
    long now = scorer.clock().millis();
    int removed = 0;
    for (OverrideRecord o : overrides.all()) {
      if (o.activeAt(now)) {
        continue;
      }
      Optional<AccountInfo> account = directory.get(o.accountId());
      Optional<CompiledScorecard> card = scorecards.get(o.scorecardId());
      if (account.isPresent() && card.isPresent() && scorecards.applies(card.get(), account.get())) {
        scorer.applyOverride(
            account.get(), card.get(), null, c -> overrides.clear(c, o, "expire", "expired", "system", now));
      } else {
        scorer.applyOverrideWithoutScore(c -> overrides.clear(c, o, "expire", "expired", "system", now));
      }
      overrides.removed(o);
      removed++;
    }
    return removed;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
