package io.healthscore.alerting.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.healthscore.alerting.fakes.AlertingHarness;
import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.AlertingServiceGrpc.AlertingServiceBlockingStub;
import io.healthscore.v1.ListAlertsRequest;
import io.healthscore.v1.ListRulesRequest;
import io.healthscore.v1.PutRuleRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With auth on, reads need alerts:read, changes alerts:write, and admin may do both. */
class AlertingScopesTest {
  @TempDir Path dir;

  private static AlertingServiceBlockingStub as(AlertingHarness h, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return AlertingServiceGrpc.newBlockingStub(h.channel())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static Status.Code code(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  @Test
  void readsNeedAlertsReadAndWritesAlertsWrite() throws Exception {
    Path tokens = dir.resolve("tokens.txt");
    Files.writeString(tokens, "reader-token alerts:read\nwriter-token alerts:write\nadmin-token admin\n");
    try (AlertingHarness h = AlertingHarness.start(dir.resolve("data"),
        Map.of(ServiceConfig.AUTH_TOKENS, tokens.toString()), false, AlertingHarness.Upstream.create())) {
      PutRuleRequest put = PutRuleRequest.newBuilder()
          .setRule(RuleYaml.parse("rule_id: r\ncondition: {threshold: {threshold: 3}}").get(0)).build();
      assertEquals(Status.Code.PERMISSION_DENIED, code(() -> as(h, "reader-token").putRule(put)));
      assertEquals(1, as(h, "writer-token").putRule(put).getRule().getVersion());
      assertEquals(2, as(h, "admin-token").putRule(put).getRule().getVersion());
      assertEquals(1, as(h, "reader-token").listRules(ListRulesRequest.getDefaultInstance()).getRulesCount());
      as(h, "reader-token").listAlerts(ListAlertsRequest.getDefaultInstance());
      assertEquals(Status.Code.PERMISSION_DENIED,
          code(() -> as(h, "writer-token").listAlerts(ListAlertsRequest.getDefaultInstance())));
      assertEquals(Status.Code.UNAUTHENTICATED, code(() -> h.stub.listRules(ListRulesRequest.getDefaultInstance())));
    }
  }
}
