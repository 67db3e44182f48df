package io.healthscore.signals.api;

import static io.healthscore.signals.TestSignalsServer.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.FieldMask;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.BillingPeriod;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.FeatureSnapshot;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.SnapshotKey;
import io.healthscore.v1.StreamFeatureSnapshotsRequest;
import io.healthscore.v1.StreamFeatureSnapshotsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attribute history through the public API: past MRR and segment read back as of past moments. */
class AttributeHistoryTest {
  private static final Instant TODAY = Instant.now().truncatedTo(ChronoUnit.DAYS);
  /** When billing says the account moved to MRR 50 and the startup segment. */
  private static final Instant BACKFILLED = TODAY.minus(Duration.ofDays(60));
  @TempDir static Path dir;
  private static TestSignalsServer signals;

  @BeforeAll
  static void start() {
    signals = TestSignalsServer.start(dir);
    upsert(
        UpsertAccountsRequest.newBuilder()
            .addAccounts(
                Account.newBuilder()
                    .setAccountId("acme")
                    .setMrr(100)
                    .setSegment("smb")
                    .setPlan("pro")
                    .setBillingPeriod(BillingPeriod.BILLING_PERIOD_ANNUAL)
                    .putAttributes("region", "emea")
                    .putAttributes("seats_used", "42"))
            .build());
  }

  @AfterAll
  static void stop() {
    signals.close();
  }

  private static void upsert(UpsertAccountsRequest request) {
    signals.blocking().upsertAccounts(request);
  }

  private static Account account(Instant asOf) {
    GetAccountRequest.Builder request = GetAccountRequest.newBuilder().setAccountId("acme");
    if (asOf != null) {
      request.setAsOf(ts(asOf));
    }
    return signals.blocking().getAccount(request.build()).getAccount();
  }

  private static GetFeaturesResponse features(Instant asOf) {
    return signals.blocking()
        .getFeatures(
            GetFeaturesRequest.newBuilder()
                .setAccountId("acme")
                .setAsOf(ts(asOf))
                .setProjection(FeatureProjection.newBuilder().setAccountAttributes(true))
                .build());
  }

  @Test
  void aChangedMrrAndSegmentAreReadBackAsOfThePast() {
    // A backfill states when the old values took effect; it does not touch the current ones.
    upsert(
        UpsertAccountsRequest.newBuilder()
            .addAccounts(Account.newBuilder().setAccountId("acme").setMrr(50).setSegment("startup"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("mrr").addPaths("segment"))
            .setEffectiveTime(ts(BACKFILLED))
            .build());
    assertEquals(100, account(null).getMrr(), "current values stay");
    assertEquals("smb", account(null).getSegment());
    // Then the account grows: enterprise at MRR 300 from now on.
    upsert(
        UpsertAccountsRequest.newBuilder()
            .addAccounts(Account.newBuilder().setAccountId("acme").setMrr(300).setSegment("enterprise"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("mrr").addPaths("segment"))
            .build());

    Account past = account(BACKFILLED.plus(Duration.ofDays(10)));
    assertEquals(50, past.getMrr());
    assertEquals("startup", past.getSegment());
    assertEquals("pro", past.getPlan(), "fields the backfill did not name keep their values");
    assertEquals(Map.of("region", "emea", "seats_used", "42"), past.getAttributesMap());
    assertEquals(ts(BACKFILLED), past.getUpdateTime(), "the last change at that moment");
    Account beforeAnyChange = account(BACKFILLED.minus(Duration.ofDays(30)));
    assertEquals(50, beforeAnyChange.getMrr(), "before its first change a field has its first known value");
    assertEquals(300, account(null).getMrr());
    assertEquals("enterprise", account(null).getSegment());

    GetFeaturesResponse then = features(BACKFILLED.plus(Duration.ofDays(10)));
    assertEquals(50, then.getFeaturesOrThrow("account.mrr"));
    assertEquals("startup", then.getLabelsOrThrow("account.segment"));
    GetFeaturesResponse now = features(Instant.now().plus(Duration.ofDays(1)));
    assertEquals(300, now.getFeaturesOrThrow("account.mrr"));
    assertEquals("enterprise", now.getLabelsOrThrow("account.segment"));

    // The bulk read takes each key's own moment.
    Map<Integer, Map<String, Double>> snapshots =
        snapshots(
            List.of(
                SnapshotKey.newBuilder().setAccountId("acme").setAsOf(ts(BACKFILLED.plus(Duration.ofDays(1)))).build(),
                SnapshotKey.newBuilder().setAccountId("acme").build()));
    assertEquals(50, snapshots.get(0).get("account.mrr"));
    assertEquals(300, snapshots.get(1).get("account.mrr"));
  }

  @Test
  void attributesAreLabelsAndNumericOnesAlsoFeatures() {
    GetFeaturesResponse f = features(TODAY.plus(Duration.ofDays(1)));
    assertEquals("pro", f.getLabelsOrThrow("account.plan"));
    assertEquals("annual", f.getLabelsOrThrow("account.billing_period"));
    assertEquals("emea", f.getLabelsOrThrow("attr.region"));
    assertEquals("42", f.getLabelsOrThrow("attr.seats_used"));
    assertEquals(42, f.getFeaturesOrThrow("attr.seats_used"));
    assertFalse(f.containsFeatures("attr.region"));
    assertFalse(f.containsLabels("account.lifecycle_stage"), "empty attributes are no labels");
  }

  @Test
  void anEffectiveTimeInTheFutureIsInvalid() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                upsert(
                    UpsertAccountsRequest.newBuilder()
                        .addAccounts(Account.newBuilder().setAccountId("acme").setMrr(1))
                        .setEffectiveTime(ts(Instant.now().plus(Duration.ofDays(2))))
                        .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(List.of("effective_time"), ApiErrors.fieldViolations(e).stream().map(FieldViolation::field).toList());
  }

  private static Map<Integer, Map<String, Double>> snapshots(List<SnapshotKey> keys) {
    Iterator<StreamFeatureSnapshotsResponse> it =
        signals.blocking()
            .streamFeatureSnapshots(
                StreamFeatureSnapshotsRequest.newBuilder()
                    .addAllKeys(keys)
                    .setProjection(FeatureProjection.newBuilder().addNames("account.mrr"))
                    .build());
    List<String> names = new ArrayList<>();
    Map<Integer, Map<String, Double>> result = new HashMap<>();
    while (it.hasNext()) {
      StreamFeatureSnapshotsResponse r = it.next();
      names.addAll(r.getNewFeatureNamesList());
      for (FeatureSnapshot s : r.getSnapshotsList()) {
        Map<String, Double> f = new HashMap<>();
        for (int i = 0; i < s.getFeatureIdsCount(); i++) {
          f.put(names.get(s.getFeatureIds(i)), s.getFeatureValues(i));
        }
        result.put(s.getKeyIndex(), f);
      }
    }
    return result;
  }
}
