package io.healthscore.alerting.fakes;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.healthscore.alerting.AlertingServer;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.FakeSignalService;
import io.healthscore.runtime.testing.MutableClock;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.AlertingServiceGrpc.AlertingServiceBlockingStub;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.ScoreChange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * alerting-service in-process, wired by {@link AlertingServer} exactly as in production, with fake
 * scoring and signals services in-process and a clock the test moves. Unless told to follow the
 * feeds, tests hand changes to the consumers directly, so every assertion sees a settled state.
 */
public final class AlertingHarness implements AutoCloseable {
  public final MutableClock clock;
  public final FakeScoringService scoring;
  public final FakeSignalService signals;
  public final AlertingServer server;
  public final AlertingServiceBlockingStub stub;
  private final Server upstream;
  private final ManagedChannel upstreamChannel;
  private final ManagedChannel channel;
  private final boolean followFeeds;

  private AlertingHarness(Path dataDir, Map<String, String> env, boolean followFeeds, Upstream upstreamFakes) {
    this.followFeeds = followFeeds;
    this.clock = upstreamFakes.clock();
    this.scoring = upstreamFakes.scoring();
    this.signals = upstreamFakes.signals();
    String upstreamName = "upstream-" + UUID.randomUUID();
    try {
      upstream = InProcessServerBuilder.forName(upstreamName).addService(scoring).addService(signals)
          .directExecutor().build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    upstreamChannel = InProcessChannelBuilder.forName(upstreamName).directExecutor().build();
    Map<String, String> vars = new HashMap<>(env);
    vars.putIfAbsent(ServiceConfig.DATA_DIR, dataDir.toString());
    vars.putIfAbsent(ServiceConfig.SHUTDOWN_GRACE_SECONDS, "1");
    ServiceConfig config = ServiceConfig.fromMap(AlertingServer.SERVICE_NAME, 0, 0, vars);
    String name = "alerting-" + UUID.randomUUID();
    server = AlertingServer.builder(config)
        .clock(clock)
        .signalsChannel(upstreamChannel)
        .scoringChannel(upstreamChannel)
        .inProcess(name)
        .followFeeds(followFeeds)
        .build()
        .start();
    channel = InProcessChannelBuilder.forName(name).build();
    stub = AlertingServiceGrpc.newBlockingStub(channel);
  }

  /** The fake upstream services and their clock, which may outlive one harness (restart tests). */
  public record Upstream(MutableClock clock, FakeScoringService scoring, FakeSignalService signals) {
    public static Upstream create() {
      MutableClock clock = new MutableClock(Instant.parse("2026-03-02T09:00:00Z"));
      return new Upstream(clock, new FakeScoringService(clock), new FakeSignalService(clock));
    }
  }

  /** Feeds driven by the test. */
  public static AlertingHarness start(Path dataDir) {
    return new AlertingHarness(dataDir, Map.of(), false, Upstream.create());
  }

  public static AlertingHarness start(Path dataDir, Map<String, String> env, boolean followFeeds, Upstream upstream) {
    return new AlertingHarness(dataDir, env, followFeeds, upstream);
  }

  public ManagedChannel channel() {
    return channel;
  }

  /** Publishes a score and, unless the feeds are followed, hands it to the consumer. */
  public ScoreChange score(String account, double score) {
    return score(account, "default", score);
  }

  public ScoreChange score(String account, String scorecard, double score) {
    ScoreChange change = scoring.push(account, scorecard, score);
    if (!followFeeds) {
      server.scoresFeed().handle(change);
    }
    return change;
  }

  /** Publishes the no-data placeholder score of an account that has sent no signal yet. */
  public void noData(String account) {
    ScoreChange change = scoring.pushNoData(account, "default");
    if (!followFeeds) {
      server.scoresFeed().handle(change);
    }
  }

  /** Publishes a signal-side change of the account and, unless the feeds are followed, hands it over. */
  public void signalsChanged(String account, ChangeKind... kinds) {
    var change = signals.change(account, kinds);
    if (!followFeeds) {
      server.signalsFeed().handle(change);
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.close();
    upstreamChannel.shutdownNow();
    upstream.shutdownNow();
  }
}
