package io.healthscore.scoring.upstream;

import io.healthscore.v1.BillingPeriod;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * When an account's contract renews: its renewal date, else its contract start, rolled forward
 * by its billing period (a month for monthly billing, a year otherwise) to the first renewal at
 * or after a moment. 0 means unknown.
 */
public record RenewalTerms(long contractStartMillis, long renewalDateMillis, BillingPeriod billingPeriod) {
  public static final RenewalTerms UNKNOWN = new RenewalTerms(0, 0, BillingPeriod.BILLING_PERIOD_UNSPECIFIED);

  /** The first renewal at or after {@code fromMillis}; empty (-1) when neither date is known. */
  public long nextRenewalMillis(long fromMillis) {
    long anchor = renewalDateMillis != 0 ? renewalDateMillis : contractStartMillis;
    if (anchor == 0) {
      return -1;
    }
    ZonedDateTime start = Instant.ofEpochMilli(anchor).atZone(ZoneOffset.UTC);
    boolean monthly = billingPeriod == BillingPeriod.BILLING_PERIOD_MONTHLY;
    ZonedDateTime next = start;
    if (anchor < fromMillis) {
      ZonedDateTime from = Instant.ofEpochMilli(fromMillis).atZone(ZoneOffset.UTC);
      // jump close, then step: plusMonths keeps month ends (Jan 31 + 1 month = Feb 28)
      long steps = monthly
          ? java.time.temporal.ChronoUnit.MONTHS.between(start, from)
          : java.time.temporal.ChronoUnit.YEARS.between(start, from);
      next = monthly ? start.plusMonths(steps) : start.plusYears(steps);
      while (next.toInstant().toEpochMilli() < fromMillis) {
        steps++;
        next = monthly ? start.plusMonths(steps) : start.plusYears(steps);
      }
    }
    return next.toInstant().toEpochMilli();
  }

  /** True when the account renews at or after {@code fromMillis} and before {@code toMillis}. */
  public boolean renewsWithin(long fromMillis, long toMillis) {
    long next = nextRenewalMillis(fromMillis);
    return next >= 0 && next < toMillis;
  }
}
