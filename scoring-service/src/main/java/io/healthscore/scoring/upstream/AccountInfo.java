package io.healthscore.scoring.upstream;

import com.google.protobuf.util.Timestamps;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.v1.Account;
import java.util.Map;

/**
 * What scoring needs of an account: where it belongs, who owns it, what it is worth and when it
 * renews.
 */
public record AccountInfo(
    String accountId,
    String segment,
    String lifecycleStage,
    String parentAccountId,
    String owner,
    double mrr,
    RenewalTerms renewal) {

  /** An account whose renewal is unknown. */
  public AccountInfo(
      String accountId, String segment, String lifecycleStage, String parentAccountId, String owner, double mrr) {
    this(accountId, segment, lifecycleStage, parentAccountId, owner, mrr, RenewalTerms.UNKNOWN);
  }

  public static AccountInfo of(Account a) {
    return new AccountInfo(
        a.getAccountId(), a.getSegment(), a.getLifecycleStage(), a.getParentAccountId(), a.getOwner(), a.getMrr(),
        new RenewalTerms(
            a.hasContractStart() ? Timestamps.toMillis(a.getContractStart()) : 0,
            a.hasRenewalDate() ? Timestamps.toMillis(a.getRenewalDate()) : 0,
            a.getBillingPeriod()));
  }

  public boolean hasParent() {
    return !parentAccountId.isEmpty();
  }

  /** The account with these features, as the engine scores it. */
  public AccountSnapshot snapshot(Map<String, Double> features, Map<String, String> labels) {
    return new AccountSnapshot(accountId, segment, lifecycleStage, parentAccountId, owner, mrr, features, labels);
  }
}
