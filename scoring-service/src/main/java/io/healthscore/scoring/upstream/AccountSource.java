package io.healthscore.scoring.upstream;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Where the accounts come from (signals-service owns them). */
public interface AccountSource {
  /** The account now, or empty when it does not exist. */
  Optional<AccountInfo> account(String accountId);

  /**
   * The accounts that exist of those asked for, by id; the reads may run concurrently, so many
   * accounts cost about one round trip's wait, not one per account.
   */
  Map<String, AccountInfo> accounts(Collection<String> accountIds);

  /** Visits every account, a page at a time. */
  void forEachAccount(Consumer<AccountInfo> visitor);
}
