package io.healthscore.signals.store;

import java.time.Instant;
import java.util.Map;

/**
 * A customer account as stored. Text fields are never null ("" when unset); the two contract dates
 * are null when unknown.
 */
public record AccountRecord(
    String accountId,
    String name,
    String segment,
    String lifecycleStage,
    String parentAccountId,
    String plan,
    long licenses,
    double mrr,
    Instant contractStart,
    Instant renewalDate,
    BillingPeriod billingPeriod,
    String owner,
    Map<String, String> attributes,
    Instant createTime,
    Instant updateTime) {

  public AccountRecord {
    attributes = Map.copyOf(attributes);
  }

  /** How often an account is billed. */
  public enum BillingPeriod {
    UNSPECIFIED,
    MONTHLY,
    ANNUAL
  }

  /** A bare account holding only its id, as created for signals of an unknown account. */
  public static AccountRecord bare(String accountId, Instant now) {
    return new AccountRecord(
        accountId, "", "", "", "", "", 0, 0, null, null, BillingPeriod.UNSPECIFIED, "", Map.of(), now, now);
  }

  /** This account as stored at {@code time}. */
  public AccountRecord withUpdateTime(Instant time) {
    return new AccountRecord(
        accountId, name, segment, lifecycleStage, parentAccountId, plan, licenses, mrr, contractStart,
        renewalDate, billingPeriod, owner, attributes, createTime, time);
  }

  public boolean hasParent() {
    return !parentAccountId.isEmpty();
  }
}
