package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.v1.Outcome;
import java.util.List;

/** Past outcomes and point-in-time account snapshots (never data after the as-of moment). */
public interface FeatureSource {
  List<Outcome> outcomes();

  /** One (account, moment) pair of a training-set read. */
  record Moment(String accountId, long asOfMillis) {}

  /**
   * The accounts as of their moments, index-aligned with {@code moments}, null where the account
   * did not exist then. Read in bulk: a training set is one call. Throws, never returns a partial
   * list, when the read cannot be completed.
   */
  List<AccountSnapshot> snapshotsAsOf(List<Moment> moments);
}
