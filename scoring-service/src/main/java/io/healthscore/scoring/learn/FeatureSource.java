package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.v1.Outcome;
import java.util.List;

/** Past outcomes and point-in-time account snapshots (never data after the as-of moment). */
public interface FeatureSource {
  List<Outcome> outcomes();

  /** The account as of that moment, or null when it did not exist then. */
  AccountSnapshot snapshotAsOf(String accountId, long asOfMillis);
}
