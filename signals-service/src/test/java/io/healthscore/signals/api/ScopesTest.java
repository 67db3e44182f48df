package io.healthscore.signals.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.ListAccountsRequest;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.UpsertAccountsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScopesTest {
  @TempDir Path dir;

  private static SignalServiceGrpc.SignalServiceBlockingStub as(TestSignalsServer signals, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return signals.blocking().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static Status.Code code(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  @Test
  void readsNeedSignalsReadAndWritesNeedSignalsWrite() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "reader signals:read\nwriter signals:write\n");
    try (TestSignalsServer signals =
        TestSignalsServer.start(dir.resolve("data"), Map.of(ServiceConfig.AUTH_TOKENS, tokens.toString()))) {
      UpsertAccountsRequest upsert =
          UpsertAccountsRequest.newBuilder().addAccounts(Account.newBuilder().setAccountId("a")).build();
      assertEquals(Status.Code.UNAUTHENTICATED, code(() -> signals.blocking().upsertAccounts(upsert)));
      assertEquals(Status.Code.PERMISSION_DENIED, code(() -> as(signals, "reader").upsertAccounts(upsert)));
      assertEquals(
          Status.Code.PERMISSION_DENIED,
          code(() -> as(signals, "reader").ingestSignals(IngestSignalsRequest.getDefaultInstance())));
      assertEquals(1, as(signals, "writer").upsertAccounts(upsert).getCreated());

      ListAccountsRequest list = ListAccountsRequest.getDefaultInstance();
      assertEquals(Status.Code.PERMISSION_DENIED, code(() -> as(signals, "writer").listAccounts(list)));
      assertEquals(1, as(signals, "reader").listAccounts(list).getAccountsCount());
      assertEquals(
          "a",
          as(signals, "reader").getFeatures(GetFeaturesRequest.newBuilder().setAccountId("a").build()).getAccountId());
    }
  }
}
