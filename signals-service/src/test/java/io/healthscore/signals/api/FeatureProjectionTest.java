package io.healthscore.signals.api;

import static io.healthscore.signals.TestSignalsServer.label;
import static io.healthscore.signals.TestSignalsServer.number;
import static io.healthscore.signals.TestSignalsServer.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.MetricFeatures;
import io.healthscore.v1.UpsertAccountsRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Projections of GetFeatures and BatchGetFeatures, and BatchGetFeatures within the message limit. */
class FeatureProjectionTest {
  private static final int WIDE_METRICS = 500;
  private static final int MAX_MESSAGE_BYTES = 256 * 1024;
  private static final Instant AS_OF = Instant.now().truncatedTo(ChronoUnit.DAYS);
  @TempDir static Path dir;
  private static TestSignalsServer signals;

  @BeforeAll
  static void start() {
    signals =
        TestSignalsServer.start(dir, Map.of(ServiceConfig.MAX_MESSAGE_BYTES, Integer.toString(MAX_MESSAGE_BYTES)));
    UpsertAccountsRequest.Builder accounts = UpsertAccountsRequest.newBuilder();
    accounts.addAccounts(Account.newBuilder().setAccountId("wide").setMrr(900).setLicenses(10));
    for (int a = 0; a < 12; a++) {
      accounts.addAccounts(Account.newBuilder().setAccountId("batch-" + a).setMrr(a));
    }
    signals.blocking().upsertAccounts(accounts.build());
    IngestSignalsRequest.Builder wide = IngestSignalsRequest.newBuilder();
    for (int m = 0; m < WIDE_METRICS; m++) {
      wide.addSignals(number("w-" + m + "-a", "wide", "metric" + m, m, AS_OF.minus(Duration.ofDays(3))));
      wide.addSignals(number("w-" + m + "-b", "wide", "metric" + m, 2 * m, AS_OF.minus(Duration.ofDays(40))));
    }
    wide.addSignals(label("w-label", "wide", "csm.champion", "strong", AS_OF.minus(Duration.ofDays(1))));
    signals.blocking().ingestSignals(wide.build());
    // 12 accounts of 60 metrics each: about 50 KB of features each without a projection.
    IngestSignalsRequest.Builder batch = IngestSignalsRequest.newBuilder();
    for (int a = 0; a < 12; a++) {
      for (int m = 0; m < 60; m++) {
        batch.addSignals(number("b-" + a + "-" + m, "batch-" + a, "metric" + m, 1, AS_OF.minus(Duration.ofDays(2))));
      }
    }
    signals.blocking().ingestSignals(batch.build());
    signals.blocking()
        .upsertAccounts(
            UpsertAccountsRequest.newBuilder()
                .addAccounts(Account.newBuilder().setAccountId("users"))
                .addAccounts(Account.newBuilder().setAccountId("licensed").setLicenses(4))
                .build());
    for (String account : List.of("users", "licensed")) {
      String[][] signalsOf = {{"logins", "ann", "2"}, {"logins", "bob", "3"}, {"exports", "cy", "2"}, {"exports", "dee", "2"},
          {"exports", "eve", "2"}};
      IngestSignalsRequest.Builder request = IngestSignalsRequest.newBuilder();
      for (String[] s : signalsOf) {
        Instant at = AS_OF.minus(Duration.ofDays(Long.parseLong(s[2])));
        request.addSignals(number(account + "-" + s[1], account, s[0], 1, at).toBuilder().setUserId(s[1]));
      }
      signals.blocking().ingestSignals(request.build());
    }
  }

  @AfterAll
  static void stop() {
    signals.close();
  }

  private static GetFeaturesResponse wide(FeatureProjection projection) {
    return features("wide", projection);
  }

  @Test
  void withoutAProjectionEveryFeatureOfEveryMetricComes() {
    GetFeaturesResponse all = wide(FeatureProjection.getDefaultInstance());
    for (int m = 0; m < WIDE_METRICS; m++) {
      assertTrue(all.containsFeatures("metric" + m + ".sum_90d"), "metric" + m);
    }
    assertEquals("strong", all.getLabelsOrThrow("csm.champion"));
    assertEquals(900, all.getFeaturesOrThrow("account.mrr"));
  }

  @Test
  void namesReturnExactlyThoseFeaturesAndUnknownNamesAreAbsent() {
    GetFeaturesResponse f =
        wide(
            FeatureProjection.newBuilder()
                .addNames("metric7.sum_30d")
                .addNames("metric420.count_90d")
                .addNames("account.mrr")
                .addNames("metric7.no_such_kind")
                .addNames("no_such_metric.sum_7d")
                .addLabels("csm.champion")
                .build());
    assertEquals(Map.of("metric7.sum_30d", 7.0, "metric420.count_90d", 2.0, "account.mrr", 900.0), f.getFeaturesMap());
    assertEquals(Map.of("csm.champion", "strong"), f.getLabelsMap());
  }

  @Test
  void metricsWithKindsReturnThoseKindsOnly() {
    GetFeaturesResponse f =
        wide(
            FeatureProjection.newBuilder()
                .addMetrics(MetricFeatures.newBuilder().setMetric("metric5").addKinds("sum_90d").addKinds("last"))
                .addMetrics(MetricFeatures.newBuilder().setMetric("metric9"))
                .addMetrics(MetricFeatures.newBuilder().setMetric("csm.champion").addKinds("count_7d"))
                .build());
    Set<String> names = f.getFeaturesMap().keySet();
    assertEquals(15.0, f.getFeaturesOrThrow("metric5.sum_90d"));
    assertEquals(5.0, f.getFeaturesOrThrow("metric5.last"), "the latest signal");
    assertTrue(names.contains("metric9.trend_30d") || names.contains("metric9.days_since_first"));
    assertTrue(names.stream().allMatch(n -> n.startsWith("metric9.") || n.startsWith("metric5.") || n.equals("csm.champion.count_7d")), names.toString());
    assertEquals(2, names.stream().filter(n -> n.startsWith("metric5.")).count());
    assertEquals(Map.of("csm.champion", "strong"), f.getLabelsMap(), "a labelled metric brings its label");
  }

  @Test
  void perAccountUserFeaturesCountEveryMetricWhateverMetricsTheProjectionNames() {
    FeatureProjection oneMetric =
        FeatureProjection.newBuilder().addNames("logins.distinct_users_30d").addNames("logins.sum_30d").build();
    assertEquals(
        Map.of("logins.distinct_users_30d", 2.0, "logins.sum_30d", 2.0),
        features("users", oneMetric).getFeaturesMap());
    FeatureProjection withAccountUsers =
        oneMetric.toBuilder().addNames("account.active_users_30d").addNames("account.peak_daily_users_30d").build();
    assertEquals(
        Map.of("logins.distinct_users_30d", 2.0, "logins.sum_30d", 2.0, "account.active_users_30d", 5.0,
            "account.peak_daily_users_30d", 3.0),
        features("users", withAccountUsers).getFeaturesMap(),
        "the users of exports count too");
    FeatureProjection withUtilization = oneMetric.toBuilder().addNames("account.license_utilization").build();
    assertEquals(
        Map.of("logins.distinct_users_30d", 2.0, "logins.sum_30d", 2.0), features("users", withUtilization).getFeaturesMap(),
        "no utilization without licenses");
    assertEquals(
        Map.of("logins.distinct_users_30d", 2.0, "logins.sum_30d", 2.0, "account.license_utilization", 5.0 / 4),
        features("licensed", withUtilization).getFeaturesMap(),
        "the 5 users of both metrics over 4 licenses");
  }

  private static GetFeaturesResponse features(String account, FeatureProjection projection) {
    return signals.blocking()
        .getFeatures(
            GetFeaturesRequest.newBuilder().setAccountId(account).setAsOf(ts(AS_OF)).setProjection(projection).build());
  }

  @Test
  void accountAttributesReturnOnlyPerAccountFeatures() {
    GetFeaturesResponse f = wide(FeatureProjection.newBuilder().setAccountAttributes(true).build());
    assertTrue(f.getFeaturesMap().keySet().stream().allMatch(n -> n.startsWith("account.") || n.startsWith("attr.")));
    assertEquals(900, f.getFeaturesOrThrow("account.mrr"));
    assertEquals(0, f.getFeaturesOrThrow("account.active_users_30d"));
    assertTrue(f.getLabelsMap().keySet().stream().allMatch(n -> n.startsWith("account.") || n.startsWith("attr.")));
  }

  @Test
  void unknownKindsAndEmptyNamesAreInvalidArgumentsNamingTheField() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                wide(
                    FeatureProjection.newBuilder()
                        .addNames("")
                        .addMetrics(MetricFeatures.newBuilder().setMetric("metric1").addKinds("sum_7d").addKinds("sum_8d"))
                        .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    List<String> fields = ApiErrors.fieldViolations(e).stream().map(FieldViolation::field).toList();
    assertEquals(List.of("projection.names[0]", "projection.metrics[0].kinds[1]"), fields);
  }

  @Test
  void aWideBatchSplitsWithinTheMessageLimitAndListsTheRest() {
    List<String> ids = new ArrayList<>();
    for (int a = 0; a < 12; a++) {
      ids.add("batch-" + a);
    }
    ids.add(3, "ghost");
    List<String> pending = ids;
    List<String> served = new ArrayList<>();
    int calls = 0;
    while (!pending.isEmpty()) {
      BatchGetFeaturesResponse response =
          signals.blocking().batchGetFeatures(BatchGetFeaturesRequest.newBuilder().addAllAccountIds(pending).setAsOf(ts(AS_OF)).build());
      calls++;
      assertTrue(response.getSerializedSize() <= MAX_MESSAGE_BYTES, "response of " + response.getSerializedSize() + " bytes");
      assertTrue(response.getAccountsCount() > 0, "every call makes progress");
      response.getAccountsList().forEach(a -> served.add(a.getAccountId()));
      served.addAll(response.getMissingAccountIdsList());
      List<String> expectedRest = pending.subList(pending.size() - response.getRemainingAccountIdsCount(), pending.size());
      assertEquals(expectedRest, response.getRemainingAccountIdsList(), "the tail of the request, in order");
      for (GetFeaturesResponse a : response.getAccountsList()) {
        assertEquals(60 * 17 + 6, a.getFeaturesCount(), "every feature of " + a.getAccountId());
      }
      pending = List.copyOf(response.getRemainingAccountIdsList());
    }
    assertTrue(calls > 1, "60 metrics x 12 accounts do not fit in " + MAX_MESSAGE_BYTES + " bytes");
    assertEquals(new HashSet<>(ids), new HashSet<>(served));
    assertEquals(ids.size(), served.size(), "each account once");

    BatchGetFeaturesResponse narrow =
        signals.blocking()
            .batchGetFeatures(
                BatchGetFeaturesRequest.newBuilder()
                    .addAllAccountIds(ids)
                    .setProjection(FeatureProjection.newBuilder().addNames("metric3.count_7d"))
                    .build());
    assertEquals(12, narrow.getAccountsCount(), "a projection fits in one response");
    assertEquals(0, narrow.getRemainingAccountIdsCount());
    assertEquals(Map.of("metric3.count_7d", 1.0), narrow.getAccounts(0).getFeaturesMap());
  }
}
