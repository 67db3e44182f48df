package io.healthscore.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthProto;
import io.healthscore.runtime.testing.InProcessGrpc;
import io.healthscore.runtime.testing.fuzz.RawRpc;
import io.healthscore.runtime.testing.fuzz.ServiceFuzzer;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StrictRequestParsingTest {
  private static final Descriptors.ServiceDescriptor HEALTH = HealthProto.getDescriptor().findServiceByName("Health");

  @Test
  void bytesThatAreNotTheRequestTypeAreInvalidArgument() {
    try (InProcessGrpc grpc = InProcessGrpc.start()) {
      byte[] truncated = {0x0a, 0x05, 'a'};
      Status status = new RawRpc(grpc.channel()).call(HEALTH.findMethodByName("Check"), truncated, 5_000).status();
      assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), String.valueOf(status));
      assertTrue(status.getDescription().contains("grpc.health.v1.Health/Check"), status.getDescription());
    }
  }

  @Test
  void wellFormedRequestsStillReachTheHandler() {
    try (InProcessGrpc grpc = InProcessGrpc.start()) {
      byte[] request = HealthCheckRequest.newBuilder().setService("").build().toByteArray();
      Status status = new RawRpc(grpc.channel()).call(HEALTH.findMethodByName("Check"), request, 5_000).status();
      assertEquals(Status.Code.OK, status.getCode(), String.valueOf(status));
    }
  }

  @Test
  void theWholeMalformedCorpusGetsClientErrorsFromHealth() {
    try (InProcessGrpc grpc = InProcessGrpc.start()) {
      int calls = new ServiceFuzzer(grpc.channel(), HEALTH, () -> "", Set.of("Watch")).runCorpus();
      assertTrue(calls > 30, "corpus ran " + calls + " calls");
    }
  }
}
