package io.healthscore.scoring.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.FeatureNames;
import io.healthscore.scoring.learn.FeatureSource;
import io.healthscore.v1.FeatureProjection;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The client's projections, size-bounded batches and bulk stream against a fake signals-service. */
class SignalsClientTest {
  static final long DAY = Duration.ofDays(1).toMillis();

  final FakeSignalService fake = new FakeSignalService(Clock.systemUTC(), FeatureNames::metricOf);
  Server server;
  ManagedChannel channel;
  SignalsClient client;

  @BeforeEach
  void start() throws IOException {
    String name = "signals-" + UUID.randomUUID();
    server = InProcessServerBuilder.forName(name).addService(fake).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    client = new SignalsClient(channel, Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  /** An account with {@code metrics} metrics of three features each, worth i + metric index. */
  Map<String, Double> wide(int metrics, int i) {
    Map<String, Double> f = new HashMap<>();
    for (int m = 0; m < metrics; m++) {
      f.put("metric" + m + ".sum_30d", (double) (i + m));
      f.put("metric" + m + ".count_30d", 1.0);
      f.put("metric" + m + ".days_since_last", 2.0);
    }
    f.put("account.tenure_days", 100.0);
    return f;
  }

  List<AccountInfo> accounts(int n, int metrics) {
    List<AccountInfo> result = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = String.format("a%04d", i);
      fake.putAccount(FakeSignalService.account(id, "smb", 10));
      fake.setFeatures(id, wide(metrics, i));
      result.add(AccountInfo.of(FakeSignalService.account(id, "smb", 10)));
    }
    return result;
  }

  @Test
  void aProjectionReturnsOnlyWhatWasAsked() {
    List<AccountInfo> accounts = accounts(3, 500);
    FeatureSelection wanted = FeatureSelection.of(Set.of("metric7.sum_30d", "account.tenure_days"), Set.of());
    List<AccountSnapshot> read = client.current(accounts, wanted);
    assertEquals(3, read.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(Map.of("metric7.sum_30d", 7.0 + i, "account.tenure_days", 100.0), read.get(i).features());
    }
    assertEquals(1, fake.batchGetFeaturesCalls.get());
  }

  @Test
  void accountsLeftOutAtTheSizeLimitAreAskedForAgain() {
    List<AccountInfo> accounts = accounts(40, 20);
    fake.responseByteLimit = 4_000; // about two accounts of 60 features per response
    List<AccountSnapshot> read = client.current(accounts, FeatureSelection.everything());
    assertEquals(40, read.size());
    for (int i = 0; i < 40; i++) {
      assertEquals(accounts.get(i).accountId(), read.get(i).accountId());
      assertEquals(61, read.get(i).features().size());
      assertEquals(i + 19.0, read.get(i).features().get("metric19.sum_30d"));
    }
    assertTrue(fake.batchGetFeaturesCalls.get() >= 10, "calls: " + fake.batchGetFeaturesCalls.get());
  }

  @Test
  void moreAccountsThanOneBatchAreReadInOneStreamAsTheBatchesReadThem() {
    List<AccountInfo> accounts = new ArrayList<>(accounts(2_500, 3));
    accounts.add(1_200, AccountInfo.of(FakeSignalService.account("nobody", "smb", 10))); // unknown: left out
    FeatureSelection wanted = FeatureSelection.of(Set.of("metric2.sum_30d", "account.tenure_days"), Set.of());
    List<AccountSnapshot> streamed = client.current(accounts, wanted);
    assertEquals(1, fake.snapshotStreamCalls.get());
    assertEquals(0, fake.batchGetFeaturesCalls.get());

    List<AccountSnapshot> batched = new ArrayList<>();
    for (int from = 0; from < accounts.size(); from += SignalsClient.MAX_BATCH) {
      batched.addAll(client.current(accounts.subList(from, Math.min(accounts.size(), from + SignalsClient.MAX_BATCH)), wanted));
    }
    assertEquals(2_500, streamed.size());
    assertEquals(batched.size(), streamed.size());
    for (int i = 0; i < streamed.size(); i++) {
      assertEquals(batched.get(i).accountId(), streamed.get(i).accountId());
      assertEquals(batched.get(i).features(), streamed.get(i).features());
      assertEquals(batched.get(i).labels(), streamed.get(i).labels());
      assertEquals(Map.of("metric2.sum_30d", i + 2.0, "account.tenure_days", 100.0), streamed.get(i).features());
    }
  }

  @Test
  void aBulkReadDecodesEveryPartOfTheStreamPointInTime() {
    List<AccountInfo> accounts = accounts(30, 10);
    long now = System.currentTimeMillis();
    // History: the account's features a year ago were others.
    fake.setFeaturesFrom(accounts.get(0).accountId(), now - 400 * DAY, Map.of("metric0.sum_30d", -1.0), Map.of("csm.champion", "yes"));
    fake.responseByteLimit = 500;
    List<SnapshotKey> keys = new ArrayList<>();
    for (AccountInfo a : accounts) {
      keys.add(new SnapshotKey(a.accountId(), 0));
    }
    keys.add(new SnapshotKey("nobody", 0));
    keys.add(new SnapshotKey(accounts.get(0).accountId(), now - 300 * DAY));
    List<FeatureRow> rows = new ArrayList<>();
    client.read(keys, FeatureSelection.of(Set.of("metric0.sum_30d", "metric9.sum_30d"), Set.of("csm.champion")), rows::add);

    assertEquals(31, rows.size(), "the unknown account is skipped");
    for (int i = 0; i < 30; i++) {
      assertEquals(i, rows.get(i).keyIndex());
      assertEquals(Map.of("metric0.sum_30d", (double) i, "metric9.sum_30d", i + 9.0), rows.get(i).features());
    }
    FeatureRow past = rows.get(30);
    assertEquals(31, past.keyIndex());
    assertEquals(Map.of("metric0.sum_30d", -1.0), past.features());
    assertEquals(Map.of("csm.champion", "yes"), past.labels());
    assertEquals(1, fake.snapshotStreamCalls.get());
  }

  List<SnapshotKey> currentKeys(List<AccountInfo> accounts) {
    List<SnapshotKey> keys = new ArrayList<>();
    for (AccountInfo a : accounts) {
      keys.add(new SnapshotKey(a.accountId(), 0));
    }
    return keys;
  }

  /** A break of the transport, or a deadline that ends a stream after some keys (a slow server). */
  @ParameterizedTest
  @EnumSource(value = Status.Code.class, names = {"UNAVAILABLE", "DEADLINE_EXCEEDED"})
  void aBulkReadThatBreaksMidwayResumesAfterTheLastKeyReceived(Status.Code breakCode) {
    List<AccountInfo> accounts = accounts(30, 10);
    fake.responseByteLimit = 40; // a part of about two snapshots
    fake.snapshotStreamBreakCode = breakCode;
    fake.snapshotStreamBreaks.set(2);
    fake.snapshotStreamBreakAfterParts = 2;
    List<FeatureRow> rows = new ArrayList<>();
    client.read(currentKeys(accounts), FeatureSelection.of(Set.of("metric3.sum_30d"), Set.of()), rows::add);

    assertEquals(30, rows.size());
    for (int i = 0; i < 30; i++) {
      assertEquals(i, rows.get(i).keyIndex(), "each key once, in order");
      assertEquals(accounts.get(i).accountId(), rows.get(i).key().accountId());
      assertEquals(Map.of("metric3.sum_30d", i + 3.0), rows.get(i).features());
    }
    assertEquals(3, fake.snapshotStreamCalls.get(), "two breaks, two resumes");
  }

  @Test
  void aBulkReadWhoseDeadlineEndsBeforeAnyKeyFailsAtOnce() {
    List<AccountInfo> accounts = accounts(30, 10);
    fake.responseByteLimit = 40;
    fake.snapshotStreamBreakCode = Status.Code.DEADLINE_EXCEEDED;
    List<FeatureRow> rows = new ArrayList<>();
    fake.snapshotStreamBreaks.set(100);
    fake.snapshotStreamBreakAfterParts = 0;
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> client.read(currentKeys(accounts), FeatureSelection.everything(), rows::add));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    assertEquals(List.of(), rows);
    assertEquals(1, fake.snapshotStreamCalls.get(), "a deadline without progress is not tried again");
  }

  @Test
  void aBulkReadThatKeepsBreakingWithoutProgressFailsInsteadOfReturningPartOfTheRows() {
    List<AccountInfo> accounts = accounts(30, 10);
    fake.responseByteLimit = 500;
    fake.snapshotStreamBreaks.set(100);
    fake.snapshotStreamBreakAfterParts = 0;
    List<FeatureRow> rows = new ArrayList<>();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> client.read(currentKeys(accounts), FeatureSelection.everything(), rows::add));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(List.of(), rows);
    assertEquals(4, fake.snapshotStreamCalls.get(), "the first call and three resumes");
  }

  @Test
  void aTrainingReadAsksForTheProjectionWithTheAccountsAttributesAndTakesThemAsOfEachMoment() {
    List<AccountInfo> accounts = accounts(3, 10);
    long now = System.currentTimeMillis();
    String first = accounts.get(0).accountId();
    fake.setFeaturesFrom(
        first, now - 400 * DAY, Map.of("metric0.sum_30d", -1.0, "account.mrr", 50.0), Map.of("account.segment", "startup"));
    AccountDirectory directory = new AccountDirectory(client);
    directory.loadAll();
    SignalsFeatureSource source =
        new SignalsFeatureSource(client, client, directory, FeatureSelection.of(Set.of("metric0.sum_30d"), Set.of()));
    List<AccountSnapshot> read =
        source.snapshotsAsOf(
            List.of(
                new FeatureSource.Moment(first, now - 300 * DAY),
                new FeatureSource.Moment("nobody", now - 300 * DAY),
                new FeatureSource.Moment(accounts.get(1).accountId(), 0)));

    assertEquals(3, read.size());
    assertEquals("startup", read.get(0).segment(), "the segment of that moment, not today's smb");
    assertEquals(50.0, read.get(0).mrr());
    assertEquals(Map.of("metric0.sum_30d", -1.0, "account.mrr", 50.0), read.get(0).features());
    assertNull(read.get(1), "an unknown account has no snapshot");
    assertEquals(Map.of("metric0.sum_30d", 1.0, "account.mrr", 10.0), read.get(2).features());
    assertEquals("smb", read.get(2).segment());
    FeatureProjection asked = fake.projectionsLog.get(fake.projectionsLog.size() - 1);
    assertEquals(List.of("account.mrr", "metric0.sum_30d"), asked.getNamesList());
    assertEquals(List.of("account.lifecycle_stage", "account.segment"), asked.getLabelsList());
    assertEquals(1, fake.snapshotStreamCalls.get());
  }
}
