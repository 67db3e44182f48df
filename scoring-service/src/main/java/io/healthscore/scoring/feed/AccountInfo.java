package io.healthscore.scoring.feed;

import io.healthscore.v1.Account;

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
}
