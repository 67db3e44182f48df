package io.healthscore.scoring.process;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.DiskFaultContract;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.runtime.testing.ServiceProcess;
import io.healthscore.scoring.ScoringServiceMain;
import io.healthscore.scoring.support.TestScorecards;
import io.healthscore.v1.ListScorecardsRequest;
import io.healthscore.v1.PutScorecardRequest;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.ScoringServiceGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** scoring-service's embedded H2 on a disk that fills up or turns read-only; writes are scorecards. */
class ScoringDiskFaultProcessTest extends DiskFaultContract {
  private static final String PREFIX = "disk-";

  private Server signals;

  @BeforeEach
  void startSignals() throws IOException {
    signals = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(new FakeSignalService()).build().start();
  }

  @AfterEach
  void stopSignals() {
    signals.shutdownNow();
  }

  @Override
  protected String mainClass() {
    return ScoringServiceMain.class.getName();
  }

  @Override
  protected ServiceProcess start(ServiceProcess.Builder jvm, Path dataDir) {
    return jvm.env(ServiceConfig.DATA_DIR, dataDir.toString())
        .env(ServiceConfig.SIGNALS_ADDR, "127.0.0.1:" + signals.getPort())
        .start();
  }

  @Override
  protected void write(ServiceProcess service, int n) {
    Scorecard card = TestScorecards.logins(PREFIX + n).toBuilder().setName("Disk " + n).setIsDefault(false).build();
    ScoringServiceGrpc.newBlockingStub(service.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .putScorecard(PutScorecardRequest.newBuilder().setScorecard(card).build());
  }

  @Override
  protected Set<Integer> stored(ServiceProcess service) {
    Set<Integer> stored = new TreeSet<>();
    for (Scorecard card : ScoringServiceGrpc.newBlockingStub(service.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .listScorecards(ListScorecardsRequest.getDefaultInstance()).getScorecardsList()) {
      if (card.getScorecardId().startsWith(PREFIX)) {
        int n = Integer.parseInt(card.getScorecardId().substring(PREFIX.length()));
        if (card.getName().equals("Disk " + n) && card.getComponentsCount() == 1) {
          stored.add(n);
        }
      }
    }
    return stored;
  }
}
