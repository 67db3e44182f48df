package io.healthscore.scoring.upstream;

import java.util.Optional;
import java.util.function.Consumer;

/** Where the accounts come from (signals-service owns them). */
public interface AccountSource {
  /** The account now, or empty when it does not exist. */
  Optional<AccountInfo> account(String accountId);

  /** Visits every account, a page at a time. */
  void forEachAccount(Consumer<AccountInfo> visitor);
}
