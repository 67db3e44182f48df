package io.healthscore.alerting.process;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.healthscore.alerting.AlertingServiceMain;
import io.healthscore.alerting.fakes.FakeScoringService;
import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.DiskFaultContract;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.runtime.testing.ServiceProcess;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.ListRulesRequest;
import io.healthscore.v1.PutRuleRequest;
import io.healthscore.v1.Rule;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** alerting-service's embedded H2 on a disk that fills up or turns read-only; writes are rules. */
class AlertingDiskFaultProcessTest extends DiskFaultContract {
  private static final String PREFIX = "disk-";

  private Server upstream;

  @BeforeEach
  void startUpstream() throws IOException {
    upstream = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(new FakeScoringService(Clock.systemUTC()))
        .addService(new FakeSignalService(Clock.systemUTC()))
        .build()
        .start();
  }

  @AfterEach
  void stopUpstream() {
    upstream.shutdownNow();
  }

  @Override
  protected String mainClass() {
    return AlertingServiceMain.class.getName();
  }

  @Override
  protected ServiceProcess start(ServiceProcess.Builder jvm, Path dataDir) {
    return jvm.env(ServiceConfig.DATA_DIR, dataDir.toString())
        .env(ServiceConfig.SCORING_ADDR, "127.0.0.1:" + upstream.getPort())
        .env(ServiceConfig.SIGNALS_ADDR, "127.0.0.1:" + upstream.getPort())
        .start();
  }

  @Override
  protected void write(ServiceProcess service, int n) {
    Rule rule = RuleYaml.parse("rule_id: " + PREFIX + n + "\nname: Disk " + n + "\n"
        + "condition: {band_transition: {to: [BAND_RED]}}\n"
        + "playbook: [{create_task: {title: Call " + n + ", due_in_days: 3}}]\n").get(0);
    AlertingServiceGrpc.newBlockingStub(service.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .putRule(PutRuleRequest.newBuilder().setRule(rule).build());
  }

  @Override
  protected Set<Integer> stored(ServiceProcess service) {
    Set<Integer> stored = new TreeSet<>();
    for (Rule rule : AlertingServiceGrpc.newBlockingStub(service.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .listRules(ListRulesRequest.getDefaultInstance()).getRulesList()) {
      if (rule.getRuleId().startsWith(PREFIX)) {
        int n = Integer.parseInt(rule.getRuleId().substring(PREFIX.length()));
        if (rule.getName().equals("Disk " + n)
            && rule.getPlaybook(0).getCreateTask().getTitle().equals("Call " + n)) {
          stored.add(n);
        }
      }
    }
    return stored;
  }
}
