package io.healthscore.alerting.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.runtime.testing.MutableClock;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.SignalServiceGrpc;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SignalsReaderTest {
  private static <T> T withService(SignalServiceGrpc.SignalServiceImplBase service,
      java.util.function.Function<SignalsReader, T> use) throws Exception {
    String name = "signals-" + UUID.randomUUID();
    Server server = InProcessServerBuilder.forName(name).addService(service).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      return use.apply(new SignalsReader(channel, Duration.ofSeconds(5), Duration.ofMinutes(5)));
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  @Test
  void readsTheFeaturesOfManyAccountsAndUnknownOnesAsEmpty() throws Exception {
    FakeSignalService signals = new FakeSignalService(new MutableClock(Instant.parse("2026-03-02T09:00:00Z")));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < SignalsReader.MAX_BATCH + 3; i++) {
      ids.add("a" + i);
      signals.setAccount(Account.newBuilder().setAccountId("a" + i).build());
      signals.putFeatures("a" + i, Map.of("logins.days_since_last", (double) i), Map.of());
    }
    ids.add("unknown");
    ids.add("a1");
    Map<String, java.util.Optional<GetFeaturesResponse>> features = withService(signals, r -> r.features(ids, java.util.Optional.empty()));
    assertEquals(ids.size() - 1, features.size(), "each account once");
    assertEquals(7.0, features.get("a7").orElseThrow().getFeaturesOrThrow("logins.days_since_last"));
    assertEquals(1001.0, features.get("a1001").orElseThrow().getFeaturesOrThrow("logins.days_since_last"),
        "past the first call of a thousand");
    assertTrue(features.get("unknown").isEmpty());
  }

  @Test
  void loadsOnlyTheAccountsNotCachedAndUnknownOnesAsEmpty() throws Exception {
    FakeSignalService signals = new FakeSignalService(new MutableClock(Instant.parse("2026-03-02T09:00:00Z")));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < SignalsReader.MAX_CONCURRENT_READS + 5; i++) {
      ids.add("a" + i);
      signals.setAccount(Account.newBuilder().setAccountId("a" + i).setOwner("owner" + i).build());
    }
    ids.add("unknown");
    withService(signals, r -> {
      r.account("a0");
      r.loadAccounts(ids);
      assertEquals(ids.size(), signals.accountReads(), "a0 once, then each other account once");
      assertEquals("owner20", r.account("a20").orElseThrow().getOwner());
      assertTrue(r.account("unknown").isEmpty());
      r.loadAccounts(ids);
      assertEquals(ids.size(), signals.accountReads(), "everything cached: no more reads");
      return null;
    });
  }

  @Test
  void aBurstOverManyUncachedAccountsListsThemInPagesInsteadOfReadingEach() throws Exception {
    FakeSignalService signals = new FakeSignalService(new MutableClock(Instant.parse("2026-03-02T09:00:00Z")));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 2500; i++) {
      signals.setAccount(Account.newBuilder().setAccountId(String.format("a%05d", i)).setOwner("owner" + i).build());
      if (i % 2 == 0) {
        ids.add(String.format("a%05d", i));
      }
    }
    ids.add("unknown");
    withService(signals, r -> {
      r.loadAccounts(ids);
      assertEquals(0, signals.accountReads(), "no account read one by one");
      assertEquals("owner2498", r.account("a02498").orElseThrow().getOwner(), "past the first pages");
      assertEquals("owner7", r.account("a00007").orElseThrow().getOwner(), "listed accounts are cached too");
      assertTrue(r.account("unknown").isEmpty(), "not listed: no such account");
      assertEquals(0, signals.accountReads());
      return null;
    });
  }

  @Test
  void anyOtherFailureThrowsSoTheBatchIsRetried() {
    SignalServiceGrpc.SignalServiceImplBase down = new SignalServiceGrpc.SignalServiceImplBase() {
      @Override
      public void batchGetFeatures(BatchGetFeaturesRequest request, StreamObserver<BatchGetFeaturesResponse> out) {
        out.onError(Status.UNAVAILABLE.withDescription("restarting").asRuntimeException());
      }
    };
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> withService(down, r -> r.features(List.of("a", "b"), java.util.Optional.empty())));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void readsFeaturesInBatchesWithTheProjectionAndAsksAgainForWhatAResponseLeftOut() throws Exception {
    List<BatchGetFeaturesRequest> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    SignalServiceGrpc.SignalServiceImplBase limited = new SignalServiceGrpc.SignalServiceImplBase() {
      @Override
      public void batchGetFeatures(BatchGetFeaturesRequest request, StreamObserver<BatchGetFeaturesResponse> out) {
        requests.add(request);
        BatchGetFeaturesResponse.Builder response = BatchGetFeaturesResponse.newBuilder();
        // At most three accounts fit one answer; unknown ones are missing.
        for (String id : request.getAccountIdsList()) {
          if (id.startsWith("unknown")) {
            response.addMissingAccountIds(id);
          } else if (response.getAccountsCount() < 3) {
            response.addAccounts(GetFeaturesResponse.newBuilder().setAccountId(id)
                .putFeatures("logins.days_since_last", id.length()));
          } else {
            response.addRemainingAccountIds(id);
          }
        }
        out.onNext(response.build());
        out.onCompleted();
      }
    };
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < SignalsReader.MAX_BATCH + 5; i++) {
      ids.add("a" + i);
    }
    ids.add("unknown-1");
    FeatureProjection projection = FeatureProjection.newBuilder().addNames("logins.days_since_last").build();

    Map<String, java.util.Optional<GetFeaturesResponse>> features =
        withService(limited, r -> r.features(ids, java.util.Optional.of(projection)));

    assertEquals(ids.size(), features.size());
    assertEquals(3.0, features.get("a10").orElseThrow().getFeaturesOrThrow("logins.days_since_last"));
    assertTrue(features.get("unknown-1").isEmpty());
    assertTrue(requests.stream().allMatch(r -> r.getProjection().equals(projection)), "every call names the features");
    assertTrue(requests.stream().allMatch(r -> r.getAccountIdsCount() <= SignalsReader.MAX_BATCH));
    assertTrue(ids.stream().allMatch(features::containsKey), "each account asked until answered");
  }
}
