package io.healthscore.scoring.upstream;

import io.healthscore.scoring.engine.AccountSnapshot;
import java.util.List;

/** Accounts' features as the scorer reads them: only the selected ones, in size-bounded calls. */
public interface FeatureReader {
  /**
   * Current snapshots of the accounts, in their order; accounts signals-service does not know are
   * left out. Any number of accounts: the reader splits them into calls within the server's limits.
   */
  List<AccountSnapshot> current(List<AccountInfo> accounts, FeatureSelection wanted);

}
