package io.healthscore.scoring.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.v1.BillingPeriod;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RenewalTermsTest {
  static long at(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  @Test
  void monthlyContractsRenewOnTheirDayOfMonthKeepingMonthEnds() {
    RenewalTerms t = new RenewalTerms(at("2026-01-31T00:00:00Z"), 0, BillingPeriod.BILLING_PERIOD_MONTHLY);
    assertEquals(at("2026-02-28T00:00:00Z"), t.nextRenewalMillis(at("2026-02-10T00:00:00Z")));
    assertEquals(at("2026-12-31T00:00:00Z"), t.nextRenewalMillis(at("2026-12-02T00:00:00Z")));
  }

  @Test
  void aRenewalDateRollsForwardByYearsOnceItHasPassed() {
    RenewalTerms t = new RenewalTerms(0, at("2024-03-15T00:00:00Z"), BillingPeriod.BILLING_PERIOD_ANNUAL);
    assertEquals(at("2027-03-15T00:00:00Z"), t.nextRenewalMillis(at("2026-12-02T00:00:00Z")));
    assertTrue(t.renewsWithin(at("2026-12-02T00:00:00Z"), at("2027-04-01T00:00:00Z")));
    assertFalse(t.renewsWithin(at("2026-12-02T00:00:00Z"), at("2027-03-15T00:00:00Z")), "the end is exclusive");
    assertFalse(RenewalTerms.UNKNOWN.renewsWithin(0, Long.MAX_VALUE));
  }
}
