package io.healthscore.signals.api;

import static io.healthscore.signals.TestSignalsServer.label;
import static io.healthscore.signals.TestSignalsServer.number;
import static io.healthscore.signals.TestSignalsServer.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.RecordOutcomesRequest;
import io.healthscore.v1.UpsertAccountsRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeaturesTest {
  /** Midnight UTC 40 days ago: the as-of moment of most checks (its day and later are the future). */
  private static final Instant PAST = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(40));
  @TempDir static Path dir;
  private static TestSignalsServer signals;

  @BeforeAll
  static void start() {
    signals = TestSignalsServer.start(dir);
    signals.blocking()
        .upsertAccounts(
            UpsertAccountsRequest.newBuilder()
                .addAccounts(Account.newBuilder().setAccountId("acme").setLicenses(4).setMrr(300))
                .addAccounts(Account.newBuilder().setAccountId("acme-eu").setParentAccountId("acme"))
                .build());
    signals.blocking()
        .ingestSignals(
            IngestSignalsRequest.newBuilder()
                .addSignals(number("s1", "acme", "logins", 2, PAST.minus(Duration.ofHours(30))).toBuilder().setUserId("u1"))
                .addSignals(number("s2", "acme", "logins", 3, PAST.minus(Duration.ofHours(20))).toBuilder().setUserId("u2"))
                .addSignals(number("s3", "acme", "logins", 5, PAST.minus(Duration.ofDays(10))).toBuilder().setUserId("u1"))
                .addSignals(label("s4", "acme", "csm.champion", "strong", PAST.minus(Duration.ofDays(3))))
                .addSignals(number("s5", "acme", "exports", 1, PAST.minus(Duration.ofDays(2))).toBuilder().setUserId("u1"))
                .addSignals(number("s6", "acme", "exports", 1, PAST.minus(Duration.ofDays(2))).toBuilder().setUserId("u3"))
                // After the as-of moment: must not count.
                .addSignals(number("late1", "acme", "logins", 100, PAST.plus(Duration.ofMinutes(1))))
                .addSignals(number("late2", "acme", "logins", 100, PAST.plus(Duration.ofDays(5))))
                .addSignals(label("late3", "acme", "csm.champion", "lost", PAST.plus(Duration.ofDays(1))))
                .build());
    signals.blocking()
        .recordOutcomes(
            RecordOutcomesRequest.newBuilder()
                .addOutcomes(outcome("o1", -50, PAST.minus(Duration.ofDays(20))))
                .addOutcomes(outcome("o2", 80, PAST.minus(Duration.ofDays(100))))
                .addOutcomes(outcome("o3", 1000, PAST.plus(Duration.ofDays(1))))
                .build());
  }

  private static Outcome outcome(String id, double delta, Instant at) {
    return Outcome.newBuilder()
        .setEventId(id)
        .setAccountId("acme")
        .setType(OutcomeType.OUTCOME_TYPE_CONTRACTED)
        .setOccurredAt(ts(at))
        .setMrrDelta(delta)
        .build();
  }

  @AfterAll
  static void stop() {
    signals.close();
  }

  private static GetFeaturesResponse features(Instant asOf) {
    return signals.blocking().getFeatures(GetFeaturesRequest.newBuilder().setAccountId("acme").setAsOf(ts(asOf)).build());
  }

  @Test
  void featuresAsOfAPastDateIgnoreLaterData() {
    GetFeaturesResponse f = features(PAST);
    assertEquals(ts(PAST), f.getAsOf());
    assertEquals(2, f.getFeaturesOrThrow("logins.count_7d"));
    assertEquals(5, f.getFeaturesOrThrow("logins.sum_7d"));
    assertEquals(3, f.getFeaturesOrThrow("logins.count_30d"));
    assertEquals(10, f.getFeaturesOrThrow("logins.sum_30d"));
    assertEquals(3, f.getFeaturesOrThrow("logins.last"));
    // Fractional days from the start of as_of's day: the last login was 20 hours before it.
    assertEquals(20.0 / 24, f.getFeaturesOrThrow("logins.days_since_last"), 1e-9);
    assertEquals(10, f.getFeaturesOrThrow("logins.days_since_first"), 1e-9);
    assertEquals("strong", f.getLabelsOrThrow("csm.champion"));
    assertEquals(-50, f.getFeaturesOrThrow("account.mrr_change_90d"));
    assertEquals(300, f.getFeaturesOrThrow("account.mrr"));
    assertEquals(1, f.getFeaturesOrThrow("account.children"));
  }

  @Test
  void distinctUsersCountAUserOnceAcrossDaysAndMetrics() {
    GetFeaturesResponse f = features(PAST);
    assertEquals(2, f.getFeaturesOrThrow("logins.distinct_users_30d"), "u1 on two days, u2");
    assertEquals(2, f.getFeaturesOrThrow("exports.distinct_users_30d"));
    assertEquals(3, f.getFeaturesOrThrow("account.active_users_30d"), "u1 in both metrics once");
    assertEquals(0.75, f.getFeaturesOrThrow("account.license_utilization"), 1e-12);
    assertEquals(2, f.getFeaturesOrThrow("account.peak_daily_users_30d"));
  }

  @Test
  void laterAsOfSeesLaterData() {
    GetFeaturesResponse f = features(PAST.plus(Duration.ofDays(7)));
    assertEquals(200, f.getFeaturesOrThrow("logins.sum_7d"));
    assertEquals("lost", f.getLabelsOrThrow("csm.champion"));
    assertEquals(950, f.getFeaturesOrThrow("account.mrr_change_90d"));
  }

  @Test
  void liveFeaturesSeeASignalAtOnceWhileAnExplicitAsOfWaitsForTheDayToEnd() {
    signals.createAccounts("live");
    Instant longAgo = Instant.now().minus(Duration.ofDays(40));
    signals.blocking()
        .ingestSignals(
            IngestSignalsRequest.newBuilder()
                .addSignals(number("pf-old", "live", "billing.payment_failed", 1, longAgo))
                .build());
    GetFeaturesRequest live = GetFeaturesRequest.newBuilder().setAccountId("live").build();
    assertEquals(0, signals.blocking().getFeatures(live).getFeaturesOrThrow("billing.payment_failed.count_30d"));

    Instant now = Instant.now();
    signals.blocking()
        .ingestSignals(
            IngestSignalsRequest.newBuilder()
                .addSignals(number("pf-now", "live", "billing.payment_failed", 1, now))
                .build());
    GetFeaturesResponse after = signals.blocking().getFeatures(live);
    assertEquals(1, after.getFeaturesOrThrow("billing.payment_failed.count_30d"));
    assertEquals(2, after.getFeaturesOrThrow("billing.payment_failed.count_90d"));
    double sinceLast = after.getFeaturesOrThrow("billing.payment_failed.days_since_last");
    assertTrue(sinceLast >= 0 && sinceLast < 1.0 / 24, "days_since_last " + sinceLast);

    // An explicit as_of is point in time: only whole days before its day, so today's signal is not
    // seen yet (the same as_of must always give the same features, as learning relies on).
    GetFeaturesResponse asOfNow =
        signals.blocking().getFeatures(live.toBuilder().setAsOf(ts(now)).build());
    assertEquals(0, asOfNow.getFeaturesOrThrow("billing.payment_failed.count_30d"));
    assertTrue(asOfNow.getFeaturesOrThrow("billing.payment_failed.days_since_last") > 30);
  }

  @Test
  void batchGetFeaturesKeepsRequestOrderAndListsMissingAccounts() {
    BatchGetFeaturesResponse response =
        signals.blocking()
            .batchGetFeatures(
                BatchGetFeaturesRequest.newBuilder()
                    .addAccountIds("acme-eu")
                    .addAccountIds("ghost")
                    .addAccountIds("acme")
                    .setAsOf(ts(PAST))
                    .build());
    assertEquals(List.of("acme-eu", "acme"), response.getAccountsList().stream().map(GetFeaturesResponse::getAccountId).toList());
    assertEquals(List.of("ghost"), response.getMissingAccountIdsList());
    assertEquals(features(PAST).getFeaturesMap(), response.getAccounts(1).getFeaturesMap());
    assertFalse(response.getAccounts(0).getFeaturesMap().containsKey("logins.count_7d"));
  }

  @Test
  void unknownAccountIsNotFoundAndEmptyIdInvalid() {
    StatusRuntimeException missing =
        assertThrows(
            StatusRuntimeException.class,
            () -> signals.blocking().getFeatures(GetFeaturesRequest.newBuilder().setAccountId("ghost").build()));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    StatusRuntimeException empty =
        assertThrows(StatusRuntimeException.class, () -> signals.blocking().getFeatures(GetFeaturesRequest.getDefaultInstance()));
    assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
  }
}
