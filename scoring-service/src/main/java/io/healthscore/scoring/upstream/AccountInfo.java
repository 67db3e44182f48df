package io.healthscore.scoring.upstream;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.v1.Account;
import java.util.Map;

/** What scoring needs of an account: where it belongs, who owns it and what it is worth. */
public record AccountInfo(
    String accountId,
    String segment,
    String lifecycleStage,
    String parentAccountId,
    String owner,
    double mrr) {

  public static AccountInfo of(Account a) {
    return new AccountInfo(
        a.getAccountId(), a.getSegment(), a.getLifecycleStage(), a.getParentAccountId(), a.getOwner(), a.getMrr());
  }

  public boolean hasParent() {
    return !parentAccountId.isEmpty();
  }

  /** The account with these features, as the engine scores it. */
  public AccountSnapshot snapshot(Map<String, Double> features, Map<String, String> labels) {
    return new AccountSnapshot(accountId, segment, lifecycleStage, parentAccountId, owner, mrr, features, labels);
  }
}
