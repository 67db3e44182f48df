package io.healthscore.signals.api;

import static io.healthscore.signals.TestSignalsServer.label;
import static io.healthscore.signals.TestSignalsServer.number;
import static io.healthscore.signals.TestSignalsServer.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.FeatureSnapshot;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.RecordOutcomesRequest;
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
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** StreamFeatureSnapshots: the same features as GetFeatures, in parts within the limit, with flow control. */
class FeatureSnapshotsTest {
  private static final int MAX_MESSAGE_BYTES = 64 * 1024;
  private static final int ACCOUNTS = 20;
  private static final Instant TODAY = Instant.now().truncatedTo(ChronoUnit.DAYS);
  @TempDir static Path dir;
  private static TestSignalsServer signals;

  @BeforeAll
  static void start() {
    signals =
        TestSignalsServer.start(dir, Map.of(ServiceConfig.MAX_MESSAGE_BYTES, Integer.toString(MAX_MESSAGE_BYTES)));
    String[] ids = new String[ACCOUNTS];
    for (int a = 0; a < ACCOUNTS; a++) {
      ids[a] = "acct-" + a;
    }
    signals.createAccounts(ids);
    IngestSignalsRequest.Builder batch = IngestSignalsRequest.newBuilder();
    for (int a = 0; a < ACCOUNTS; a++) {
      for (int m = 0; m < 30; m++) {
        for (int d = 1; d <= 50; d += 7) {
          batch.addSignals(
              number("s-" + a + "-" + m + "-" + d, ids[a], "metric" + m, a + m + d, TODAY.minus(Duration.ofDays(d)))
                  .toBuilder()
                  .setUserId("u" + (d % 3)));
        }
      }
      batch.addSignals(label("l-" + a + "-old", ids[a], "csm.champion", "strong", TODAY.minus(Duration.ofDays(30))));
      batch.addSignals(label("l-" + a + "-new", ids[a], "csm.champion", "lost", TODAY.minus(Duration.ofDays(5))));
    }
    signals.blocking().ingestSignals(batch.build());
    signals.blocking()
        .upsertAccounts(
            UpsertAccountsRequest.newBuilder()
                .addAccounts(Account.newBuilder().setAccountId("parent"))
                .addAccounts(Account.newBuilder().setAccountId("child-1").setParentAccountId("parent"))
                .addAccounts(Account.newBuilder().setAccountId("child-2").setParentAccountId("parent"))
                .build());
    signals.blocking()
        .recordOutcomes(
            RecordOutcomesRequest.newBuilder()
                .addOutcomes(outcome("o1", "acct-1", 100, TODAY.minus(Duration.ofDays(10))))
                .addOutcomes(outcome("o2", "acct-1", -30, TODAY.minus(Duration.ofDays(40))))
                .addOutcomes(outcome("o3", "acct-2", 7, TODAY.minus(Duration.ofDays(100))))
                .addOutcomes(outcome("o4", "acct-2", 5, TODAY.minus(Duration.ofDays(25))))
                .build());
  }

  private static Outcome outcome(String id, String account, double delta, Instant at) {
    return Outcome.newBuilder()
        .setEventId(id)
        .setAccountId(account)
        .setType(delta < 0 ? OutcomeType.OUTCOME_TYPE_CONTRACTED : OutcomeType.OUTCOME_TYPE_EXPANDED)
        .setOccurredAt(ts(at))
        .setMrrDelta(delta)
        .build();
  }

  @AfterAll
  static void stop() {
    signals.close();
  }

  /** Keys of every account at several moments, interleaved, with an unknown account among them. */
  private static List<SnapshotKey> keys(int moments) {
    List<SnapshotKey> keys = new ArrayList<>();
    for (int t = 0; t < moments; t++) {
      for (int a = 0; a < ACCOUNTS; a++) {
        keys.add(key("acct-" + a, TODAY.minus(Duration.ofDays(t % 60)).plus(Duration.ofHours(7))));
      }
      keys.add(key("ghost", TODAY));
    }
    return keys;
  }

  private static SnapshotKey key(String account, Instant asOf) {
    return SnapshotKey.newBuilder().setAccountId(account).setAsOf(ts(asOf)).build();
  }

  /** The decoded stream: features and labels by key index, and missing indexes. */
  private record Decoded(Map<Integer, Map<String, Double>> features, Map<Integer, Map<String, String>> labels, Set<Integer> missing, int responses) {}

  private static Decoded read(StreamFeatureSnapshotsRequest request) {
    List<String> featureNames = new ArrayList<>();
    List<String> labelNames = new ArrayList<>();
    Map<Integer, Map<String, Double>> features = new HashMap<>();
    Map<Integer, Map<String, String>> labels = new HashMap<>();
    Set<Integer> missing = new HashSet<>();
    int responses = 0;
    int lastIndex = -1;
    Iterator<StreamFeatureSnapshotsResponse> it = signals.blocking().streamFeatureSnapshots(request);
    while (it.hasNext()) {
      StreamFeatureSnapshotsResponse r = it.next();
      responses++;
      assertTrue(r.getSerializedSize() <= MAX_MESSAGE_BYTES, "a response of " + r.getSerializedSize() + " bytes");
      for (String name : r.getNewFeatureNamesList()) {
        assertTrue(!featureNames.contains(name), name + " sent twice");
        featureNames.add(name);
      }
      labelNames.addAll(r.getNewLabelNamesList());
      for (FeatureSnapshot s : r.getSnapshotsList()) {
        assertTrue(s.getKeyIndex() > lastIndex, "request order");
        lastIndex = s.getKeyIndex();
        Map<String, Double> f = new HashMap<>();
        for (int i = 0; i < s.getFeatureIdsCount(); i++) {
          f.put(featureNames.get(s.getFeatureIds(i)), s.getFeatureValues(i));
        }
        Map<String, String> l = new HashMap<>();
        for (int i = 0; i < s.getLabelIdsCount(); i++) {
          l.put(labelNames.get(s.getLabelIds(i)), s.getLabelValues(i));
        }
        features.put(s.getKeyIndex(), f);
        labels.put(s.getKeyIndex(), l);
      }
      missing.addAll(r.getMissingKeyIndexesList());
    }
    return new Decoded(features, labels, missing, responses);
  }

  private static GetFeaturesResponse getFeatures(SnapshotKey key, FeatureProjection projection) {
    return signals.blocking()
        .getFeatures(
            GetFeaturesRequest.newBuilder().setAccountId(key.getAccountId()).setAsOf(key.getAsOf()).setProjection(projection).build());
  }

  @Test
  void everySnapshotEqualsGetFeaturesOfItsKeyAndUnknownAccountsAreMissing() {
    List<SnapshotKey> keys = keys(4);
    Decoded d = read(StreamFeatureSnapshotsRequest.newBuilder().addAllKeys(keys).build());
    assertTrue(d.responses() > 1, "wide snapshots need several responses within " + MAX_MESSAGE_BYTES + " bytes");
    for (int i = 0; i < keys.size(); i++) {
      if (keys.get(i).getAccountId().equals("ghost")) {
        assertTrue(d.missing().contains(i), "keys[" + i + "] missing");
        continue;
      }
      GetFeaturesResponse expected = getFeatures(keys.get(i), FeatureProjection.getDefaultInstance());
      assertEquals(expected.getFeaturesMap(), d.features().get(i), "keys[" + i + "]");
      assertEquals(expected.getLabelsMap(), d.labels().get(i), "keys[" + i + "]");
    }
    assertEquals(4, d.missing().size());
    assertEquals("lost", d.labels().get(0).get("csm.champion"));
    assertTrue(d.features().get(0).get("metric3.sum_90d") > 0);
  }

  @Test
  void aProjectionNarrowsEverySnapshot() {
    List<SnapshotKey> keys = keys(3);
    FeatureProjection projection =
        FeatureProjection.newBuilder().addNames("metric2.sum_30d").addNames("account.active_users_30d").addLabels("csm.champion").build();
    Decoded d = read(StreamFeatureSnapshotsRequest.newBuilder().addAllKeys(keys).setProjection(projection).build());
    assertEquals(1, d.responses(), "narrow snapshots fit in one response");
    for (Map.Entry<Integer, Map<String, Double>> e : d.features().entrySet()) {
      assertEquals(Set.of("metric2.sum_30d", "account.active_users_30d"), e.getValue().keySet());
      assertEquals(getFeatures(keys.get(e.getKey()), projection).getFeaturesMap(), e.getValue());
    }
  }

  @Test
  void eachKeyGetsTheOutcomesAndChildrenOfItsOwnAccountWithinItsOwnWindow() {
    Instant today = TODAY.plus(Duration.ofHours(7));
    Instant earlier = today.minus(Duration.ofDays(20));
    List<SnapshotKey> keys =
        List.of(
            key("acct-1", today), key("acct-2", today), key("parent", today), key("acct-1", earlier),
            key("acct-2", earlier), key("child-1", today), key("acct-5", today));
    FeatureProjection projection =
        FeatureProjection.newBuilder().addNames("account.mrr_change_90d").addNames("account.children").build();
    Decoded d = read(StreamFeatureSnapshotsRequest.newBuilder().addAllKeys(keys).setProjection(projection).build());
    // The 90 days before each key's day: acct-1's +100 of 10 days ago is after its earlier key, and
    // acct-2's +7 of 100 days ago only within the earlier key's window.
    double[] mrrChanges = {70, 5, 0, -30, 12, 0, 0};
    double[] children = {0, 0, 2, 0, 0, 0, 0};
    for (int i = 0; i < keys.size(); i++) {
      assertEquals(mrrChanges[i], d.features().get(i).get("account.mrr_change_90d"), "keys[" + i + "]");
      assertEquals(children[i], d.features().get(i).get("account.children"), "keys[" + i + "]");
      assertEquals(getFeatures(keys.get(i), projection).getFeaturesMap(), d.features().get(i), "keys[" + i + "]");
    }
  }

  @Test
  void invalidKeysAreNamedByIndex() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                read(
                    StreamFeatureSnapshotsRequest.newBuilder()
                        .addKeys(key("acct-1", TODAY))
                        .addKeys(SnapshotKey.newBuilder().setAsOf(ts(TODAY)))
                        .addKeys(SnapshotKey.newBuilder().setAccountId("acct-2").setAsOf(Timestamp.newBuilder().setNanos(-1)))
                        .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(
        List.of("keys[1].account_id", "keys[2].as_of"),
        ApiErrors.fieldViolations(e).stream().map(FieldViolation::field).toList());
  }

  private double snapshotsRead() {
    return signals.server().metrics().registry().get("healthscore.feature.snapshots.read").counter().count();
  }

  /** Asks for one response only, then waits: the server must stop reading instead of buffering the rest. */
  @Test
  void aSlowReaderHoldsTheServerBackAndCancellingStopsIt() throws Exception {
    List<SnapshotKey> keys = keys(100);
    double before = snapshotsRead();
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    List<ClientCallStreamObserver<?>> call = new ArrayList<>();
    int[] received = new int[1];
    signals.async()
        .streamFeatureSnapshots(
            StreamFeatureSnapshotsRequest.newBuilder().addAllKeys(keys).build(),
            new ClientResponseObserver<StreamFeatureSnapshotsRequest, StreamFeatureSnapshotsResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<StreamFeatureSnapshotsRequest> requestStream) {
                requestStream.disableAutoRequestWithInitial(1);
                call.add(requestStream);
              }

              @Override
              public void onNext(StreamFeatureSnapshotsResponse value) {
                received[0]++;
                first.countDown();
              }

              @Override
              public void onError(Throwable t) {
                finished.countDown();
              }

              @Override
              public void onCompleted() {
                finished.countDown();
              }
            });
    assertTrue(first.await(60, TimeUnit.SECONDS));
    Thread.sleep(500);
    double readWhileWaiting = snapshotsRead() - before;
    assertTrue(readWhileWaiting < keys.size() / 4.0, readWhileWaiting + " of " + keys.size() + " keys read for one response");
    assertEquals(1, received[0]);
    call.get(0).cancel("enough", null);
    assertTrue(finished.await(60, TimeUnit.SECONDS));
    Thread.sleep(300);
    assertTrue(snapshotsRead() - before < keys.size() / 4.0, "nothing more is read after cancel");
  }
}
