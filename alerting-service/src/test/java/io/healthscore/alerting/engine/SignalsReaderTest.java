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
import io.healthscore.alerting.fakes.FakeSignalService;
import io.healthscore.alerting.fakes.MutableClock;
import io.healthscore.v1.Account;
import io.healthscore.v1.GetFeaturesRequest;
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
    for (int i = 0; i < SignalsReader.MAX_CONCURRENT_READS * 2 + 3; i++) {
      ids.add("a" + i);
      signals.putAccount(Account.newBuilder().setAccountId("a" + i).build());
      signals.putFeatures("a" + i, Map.of("logins.days_since_last", (double) i), Map.of());
    }
    ids.add("unknown");
    ids.add("a1");
    Map<String, java.util.Optional<GetFeaturesResponse>> features = withService(signals, r -> r.features(ids));
    assertEquals(ids.size() - 1, features.size(), "each account once");
    assertEquals(7.0, features.get("a7").orElseThrow().getFeaturesOrThrow("logins.days_since_last"));
    assertEquals(34.0, features.get("a34").orElseThrow().getFeaturesOrThrow("logins.days_since_last"));
    assertTrue(features.get("unknown").isEmpty());
  }

  @Test
  void loadsOnlyTheAccountsNotCachedAndUnknownOnesAsEmpty() throws Exception {
    FakeSignalService signals = new FakeSignalService(new MutableClock(Instant.parse("2026-03-02T09:00:00Z")));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < SignalsReader.MAX_CONCURRENT_READS + 5; i++) {
      ids.add("a" + i);
      signals.putAccount(Account.newBuilder().setAccountId("a" + i).setOwner("owner" + i).build());
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
  void anyOtherFailureThrowsSoTheBatchIsRetried() {
    SignalServiceGrpc.SignalServiceImplBase down = new SignalServiceGrpc.SignalServiceImplBase() {
      @Override
      public void getFeatures(GetFeaturesRequest request, StreamObserver<GetFeaturesResponse> out) {
        out.onError(Status.UNAVAILABLE.withDescription("restarting").asRuntimeException());
      }
    };
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> withService(down, r -> r.features(List.of("a", "b"))));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }
}
