package io.healthscore.scoring.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.support.ScoringHarness;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.Account;
import io.healthscore.v1.BillingPeriod;
import io.healthscore.v1.ForecastRetentionRequest;
import io.healthscore.v1.ForecastRetentionResponse;
import io.healthscore.v1.ListScoresRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ForecastRetention over the accounts renewing within the period only. */
class RenewalForecastTest {
  static final long DAY = Duration.ofDays(1).toMillis();

  @TempDir Path dir;

  @Test
  void renewingOnlyKeepsTheAccountsWhoseRenewalFallsInThePeriod() {
    try (ScoringHarness h = new ScoringHarness(dir.resolve("data")).withScorecard(TestScorecards.logins("logins")).start()) {
      long now = h.clock.millis();
      // renewing within 90 days: a renewal date in 30 days; monthly billing since a year ago;
      // a renewal date 300 days ago on annual billing (rolls forward to 65 days from now)
      put(h, FakeSignalService.account("soon", "smb", 100).toBuilder().setRenewalDate(Timestamps.fromMillis(now + 30 * DAY)));
      put(h, FakeSignalService.account("monthly", "smb", 200).toBuilder()
          .setContractStart(Timestamps.fromMillis(now - 365 * DAY))
          .setBillingPeriod(BillingPeriod.BILLING_PERIOD_MONTHLY));
      put(h, FakeSignalService.account("lapsed", "smb", 400).toBuilder()
          .setRenewalDate(Timestamps.fromMillis(now - 300 * DAY))
          .setBillingPeriod(BillingPeriod.BILLING_PERIOD_ANNUAL));
      // not within 90 days: renewal in 200 days; annual contract started 200 days ago; nothing known
      put(h, FakeSignalService.account("later", "smb", 1000).toBuilder().setRenewalDate(Timestamps.fromMillis(now + 200 * DAY)));
      put(h, FakeSignalService.account("annual", "smb", 2000).toBuilder()
          .setContractStart(Timestamps.fromMillis(now - 200 * DAY))
          .setBillingPeriod(BillingPeriod.BILLING_PERIOD_ANNUAL));
      put(h, FakeSignalService.account("unknown", "smb", 4000).toBuilder());
      h.awaitFeedCaughtUp();
      Await.until("all six scored", () ->
          h.stub().listScores(ListScoresRequest.newBuilder().build()).getTotalSize() == 6);

      ForecastRetentionResponse all =
          h.stub().forecastRetention(ForecastRetentionRequest.newBuilder().setPeriodDays(90).build());
      assertEquals(6, all.getTotal().getAccounts());
      ForecastRetentionResponse renewing =
          h.stub().forecastRetention(ForecastRetentionRequest.newBuilder().setPeriodDays(90).setRenewingOnly(true).build());
      assertEquals(3, renewing.getTotal().getAccounts());
      assertEquals(700, renewing.getTotal().getStartingMrr(), 1e-9);
      ForecastRetentionResponse shortPeriod =
          h.stub().forecastRetention(ForecastRetentionRequest.newBuilder().setPeriodDays(20).setRenewingOnly(true).build());
      assertEquals(1, shortPeriod.getTotal().getAccounts(), "only the monthly account renews within 20 days");
    }
  }

  private static void put(ScoringHarness h, Account.Builder account) {
    h.signals.putAccount(account.build());
    h.signals.setFeatures(account.getAccountId(), Map.of(TestScorecards.FEATURE, 50.0));
  }
}
