package io.healthscore.scoring.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.feed.AccountDirectory;
import io.healthscore.scoring.feed.AccountInfo;
import io.healthscore.scoring.feed.SignalsClient;
import io.healthscore.scoring.learn.FeatureSource;
import io.healthscore.v1.Outcome;
import java.util.List;
import java.util.Optional;

/**
 * Past outcomes and point-in-time features from signals-service, for calibration and backtests.
 * Features are as of the moment asked (signals-service never uses later data); the account's
 * segment, stage and MRR are today's, as signals-service keeps no history of them.
 */
final class SignalsFeatureSource implements FeatureSource {
  private final SignalsClient signals;
  private final AccountDirectory directory;
  private List<Outcome> outcomes;

  SignalsFeatureSource(SignalsClient signals, AccountDirectory directory) {
    this.signals = signals;
    this.directory = directory;
  }

  @Override
  public synchronized List<Outcome> outcomes() {
    if (outcomes == null) {
      outcomes = signals.allOutcomes();
    }
    return outcomes;
  }

  @Override
  public AccountSnapshot snapshotAsOf(String accountId, long asOfMillis) {
    Optional<AccountInfo> account = directory.get(accountId);
    if (account.isEmpty()) {
      return null;
    }
    try {
      return SignalsClient.snapshot(account.get(), signals.featuresAsOf(accountId, asOfMillis));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }
}
