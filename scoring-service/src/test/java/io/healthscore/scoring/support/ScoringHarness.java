package io.healthscore.scoring.support;

import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.runtime.testing.MutableClock;
import io.healthscore.scoring.ScoringServer;
import io.healthscore.scoring.engine.FeatureNames;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.ScoringServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A fake signals-service and a real ScoringServer (built by ScoringServer.builder, in-process) on
 * one data directory; {@link #restart()} stops scoring-service and starts it again on the same data.
 */
public final class ScoringHarness implements AutoCloseable {
  public final FakeSignalService signals = new FakeSignalService(Clock.systemUTC(), FeatureNames::metricOf);
  public final MutableClock clock;
  private final Path dataDir;
  private final Map<String, String> env;
  private final String signalsName;
  private Server signalsServer;
  private final ManagedChannel signalsChannel;
  private ScoringServer scoring;
  private ManagedChannel scoringChannel;
  private String scoringName;

  public ScoringHarness(Path dataDir) {
    this(dataDir, Map.of());
  }

  public ScoringHarness(Path dataDir, Map<String, String> extraEnv) {
    this.dataDir = dataDir;
    this.clock = new MutableClock(System.currentTimeMillis());
    this.env = new HashMap<>(extraEnv);
    env.putIfAbsent("HEALTHSCORE_OVERRIDE_SWEEP_INTERVAL", "1h");
    this.signalsName = "signals-" + UUID.randomUUID();
    startSignals();
    signalsChannel = InProcessChannelBuilder.forName(signalsName).build();
  }

  /** Takes signals-service down: its open streams break and every call to it fails until {@link #startSignals()}. */
  public void stopSignals() {
    signalsServer.shutdownNow();
    try {
      signalsServer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Brings signals-service (back) up at the same address, with the same data. */
  public void startSignals() {
    try {
      signalsServer = InProcessServerBuilder.forName(signalsName).addService(signals).build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Installs the scorecard through HEALTHSCORE_CONFIG_DIR at the next start (JSON is YAML). */
  public ScoringHarness withScorecard(Scorecard scorecard) {
    Path config = dataDir.resolveSibling(dataDir.getFileName() + "-config");
    try {
      Files.createDirectories(config.resolve("scorecards"));
      Files.writeString(
          config.resolve("scorecards").resolve(scorecard.getScorecardId() + ".yaml"),
          JsonFormat.printer().preservingProtoFieldNames().print(scorecard));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    env.put("HEALTHSCORE_CONFIG_DIR", config.toString());
    return this;
  }

  /** Starts (or restarts) scoring-service. */
  public ScoringHarness start() {
    ServiceConfig config =
        ServiceConfig.fromMap(ScoringServer.SERVICE_NAME, 0, 0, env).withDataDir(dataDir);
    scoringName = "scoring-" + UUID.randomUUID();
    scoring = ScoringServer.builder(config).signalsChannel(signalsChannel).clock(clock).inProcess(scoringName).build().start();
    scoringChannel = InProcessChannelBuilder.forName(scoringName).build();
    return this;
  }

  public void stopScoring() {
    if (scoringChannel != null) {
      scoringChannel.shutdownNow();
    }
    if (scoring != null) {
      scoring.stop();
      scoring = null;
    }
  }

  public void restart() {
    stopScoring();
    start();
  }

  public ScoringServer server() {
    return scoring;
  }

  public ScoringServiceGrpc.ScoringServiceBlockingStub stub() {
    return ScoringServiceGrpc.newBlockingStub(scoringChannel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** The channel to scoring-service, for clients other than the generated stubs. */
  public ManagedChannel channel() {
    return scoringChannel;
  }

  /** The channel to the fake signals-service, for other services run beside this one. */
  public ManagedChannel signalsChannel() {
    return signalsChannel;
  }

  public ScoringServiceGrpc.ScoringServiceStub asyncStub() {
    return ScoringServiceGrpc.newStub(scoringChannel);
  }


  /**
   * Another scoring-service on this one's configuration and signals-service: with a shared
   * PostgreSQL (HEALTHSCORE_DB_URL in the harness's variables) a replica of it. The caller closes it.
   */
  public Replica replica() {
    ServiceConfig config =
        ServiceConfig.fromMap(ScoringServer.SERVICE_NAME, 0, 0, env)
            .withDataDir(dataDir.resolveSibling(dataDir.getFileName() + "-" + UUID.randomUUID()));
    String name = "scoring-" + UUID.randomUUID();
    ScoringServer server =
        ScoringServer.builder(config).signalsChannel(signalsChannel).clock(clock).inProcess(name).build().start();
    return new Replica(server, InProcessChannelBuilder.forName(name).build());
  }

  /** A scoring-service started by {@link #replica()}. */
  public record Replica(ScoringServer server, ManagedChannel channel) implements AutoCloseable {
    public ScoringServiceGrpc.ScoringServiceBlockingStub stub() {
      return ScoringServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      channel.shutdownNow();
      server.stop();
    }
  }

  /** Waits until scoring-service applied every change the fake feed has published. */
  public void awaitFeedCaughtUp() {
    long target = signals.lastCursor();
    Await.until("feed cursor " + target, () -> scoring.appliedSignalsCursor() >= target);
  }

  @Override
  public void close() {
    stopScoring();
    signalsChannel.shutdownNow();
    signalsServer.shutdownNow();
  }
}
