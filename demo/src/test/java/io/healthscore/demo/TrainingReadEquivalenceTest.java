package io.healthscore.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.healthscore.runtime.client.Channels;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.learn.FeatureSource;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.FeatureSelection;
import io.healthscore.scoring.upstream.SignalsClient;
import io.healthscore.scoring.upstream.SignalsFeatureSource;
import io.healthscore.signals.SignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.UpsertAccountsRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training rows read in bulk (one StreamFeatureSnapshots, SignalsFeatureSource) equal those of one
 * GetFeatures per snapshot (the read they replace) for the same data, against a real signals-service: every feature and
 * label, with and without a projection, and the account's attributes as they were at each moment.
 */
class TrainingReadEquivalenceTest {
  static final long DAY = Duration.ofDays(1).toMillis();

  @TempDir Path dir;

  @Test
  void bulkRowsEqualOneReadPerSnapshotAttributeHistoryIncluded() {
    SignalsServer signals =
        SignalsServer.builder(FreshnessBenchmark.config(SignalsServer.SERVICE_NAME, dir)).build().start();
    ManagedChannel channel = Channels.forAddress("localhost:" + signals.server().grpcPort());
    try {
      var stub = SignalServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
      long now = System.currentTimeMillis();
      List<Account> today = new ArrayList<>();
      UpsertAccountsRequest.Builder past =
          UpsertAccountsRequest.newBuilder().setEffectiveTime(Timestamps.fromMillis(now - 365 * DAY));
      for (int a = 0; a < 12; a++) {
        String id = "acct-" + a;
        past.addAccounts(Account.newBuilder().setAccountId(id).setSegment("startup").setMrr(50 + a).setLicenses(5)
            .putAttributes("region", "emea"));
        today.add(Account.newBuilder().setAccountId(id).setSegment("enterprise").setMrr(500 + a).setLicenses(20)
            .putAttributes("region", "amer").build());
      }
      stub.upsertAccounts(past.build());
      stub.upsertAccounts(UpsertAccountsRequest.newBuilder().addAllAccounts(today).build());
      IngestSignalsRequest.Builder batch = IngestSignalsRequest.newBuilder();
      for (int a = 0; a < 12; a++) {
        for (int m = 0; m < 6; m++) {
          for (int d = 0; d < 40; d += 1 + (a + m) % 4) {
            Signal.Builder s = Signal.newBuilder().setEventId(a + "-" + m + "-" + d).setAccountId("acct-" + a)
                .setOccurredAt(Timestamps.fromMillis(now - (5 + d * 7L) * DAY)).setSource("test").setUserId("u" + (a + d) % 3);
            if (m == 5) {
              s.setMetric("csm.champion").setLabel(d % 2 == 0 ? "yes" : "no");
            } else {
              s.setMetric("metric" + m).setNumber(a * 10 + m + d);
            }
            batch.addSignals(s);
          }
        }
      }
      stub.ingestSignals(batch.build());
      signals.engine().checkpoint();

      SignalsClient client = new SignalsClient(channel, Duration.ofSeconds(30));
      AccountDirectory directory = new AccountDirectory(client);
      directory.loadAll();
      List<FeatureSource.Moment> moments = new ArrayList<>();
      for (int a = 0; a < 12; a++) {
        for (long daysAgo : new long[] {400, 200, 90, 30, 2}) {
          moments.add(new FeatureSource.Moment("acct-" + a, now - daysAgo * DAY + a * 3_600_000L));
        }
      }
      moments.add(new FeatureSource.Moment("nobody", now - 30 * DAY));

      FeatureSelection projection =
          FeatureSelection.of(Set.of("metric1.sum_30d", "metric3.distinct_users_30d", "account.tenure_days"), Set.of("csm.champion"));
      for (FeatureSelection wanted : List.of(FeatureSelection.everything(), projection)) {
        List<AccountSnapshot> bulk = new SignalsFeatureSource(client, client, directory, wanted).snapshotsAsOf(moments);
        assertEquals(moments.size(), bulk.size());
        assertNull(bulk.get(moments.size() - 1), "an unknown account has no row");
        for (int i = 0; i < moments.size() - 1; i++) {
          FeatureSource.Moment m = moments.get(i);
          GetFeaturesResponse one =
              stub.getFeatures(
                  GetFeaturesRequest.newBuilder()
                      .setAccountId(m.accountId())
                      .setAsOf(Timestamps.fromMillis(m.asOfMillis()))
                      .setProjection(withAttributes(wanted).toProto())
                      .build());
          AccountSnapshot row = bulk.get(i);
          assertEquals(one.getFeaturesMap(), new HashMap<>(row.features()), m.toString());
          assertEquals(one.getLabelsMap(), row.labels(), m.toString());
          // Every moment is before today's edit: the values of a year ago (the first known before them).
          assertEquals("startup", row.segment(), m.toString());
          assertEquals(50 + i / 5, row.mrr(), m.toString());
          if (wanted.all()) {
            assertEquals("emea", row.labels().get("attr.region"), m.toString());
            assertEquals(5.0, row.features().get("account.licenses"), m.toString());
          } else {
            Set<String> asked = withAttributes(wanted).features();
            assertTrue(asked.containsAll(row.features().keySet()), "outside the projection: " + row.features().keySet());
            assertTrue(Set.of("csm.champion", "account.segment", "account.lifecycle_stage").containsAll(row.labels().keySet()));
          }
        }
      }
    } finally {
      channel.shutdownNow();
      signals.server().stop();
    }
  }

  /** What a bulk read asks for beside the caller's projection. */
  private static FeatureSelection withAttributes(FeatureSelection wanted) {
    if (wanted.all()) {
      return wanted;
    }
    return FeatureSelection.of(union(wanted.features(), Set.of("account.mrr")),
        union(wanted.labels(), Set.of("account.segment", "account.lifecycle_stage")));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.TreeSet<>(a);
    all.addAll(b);
    return all;
  }
}
