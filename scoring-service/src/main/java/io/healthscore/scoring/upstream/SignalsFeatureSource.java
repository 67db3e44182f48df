package io.healthscore.scoring.upstream;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.learn.FeatureSource;
import io.healthscore.v1.Outcome;
import java.util.List;
import java.util.Optional;

/**
 * Past outcomes and point-in-time features from signals-service, for calibration and backtests.
 * Features are as of the moment asked (signals-service never uses later data); the account's
 * segment, stage and MRR are today's, as the directory holds the current account.
 */
public final class SignalsFeatureSource implements FeatureSource {
  private final OutcomeSource outcomeSource;
  private final FeatureReader features;
  private final AccountDirectory directory;
  private final FeatureSelection wanted;
  private List<Outcome> outcomes;

  public SignalsFeatureSource(
      OutcomeSource outcomeSource, FeatureReader features, AccountDirectory directory, FeatureSelection wanted) {
    this.outcomeSource = outcomeSource;
    this.features = features;
    this.directory = directory;
    this.wanted = wanted;
  }

  @Override
  public synchronized List<Outcome> outcomes() {
    if (outcomes == null) {
      outcomes = outcomeSource.allOutcomes();
    }
    return outcomes;
  }

  @Override
  public AccountSnapshot snapshotAsOf(String accountId, long asOfMillis) {
    Optional<AccountInfo> account = directory.get(accountId);
    return account.flatMap(a -> features.asOf(a, asOfMillis, wanted)).orElse(null);
  }
}
