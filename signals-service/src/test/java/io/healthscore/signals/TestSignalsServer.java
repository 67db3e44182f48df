package io.healthscore.signals;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.signals.api.ProtoMapping;
import io.healthscore.v1.Account;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.UpsertAccountsRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** signals-service served in-process through SignalsServer, with a channel and helpers for tests. */
public final class TestSignalsServer implements AutoCloseable {
  private final SignalsServer server;
  private final ManagedChannel channel;

  private TestSignalsServer(SignalsServer server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
  }

  public static TestSignalsServer start(Path dataDir) {
    return start(dataDir, Map.of());
  }

  /** {@code env} adds or overrides HEALTHSCORE_* variables. */
  public static TestSignalsServer start(Path dataDir, Map<String, String> env) {
    return start(config(dataDir, env));
  }

  public static ServiceConfig config(Path dataDir, Map<String, String> env) {
    Map<String, String> vars = new HashMap<>();
    vars.put(ServiceConfig.DATA_DIR, dataDir.toString());
    vars.put(ServiceConfig.SHUTDOWN_GRACE_SECONDS, "1");
    vars.put(SignalsSettings.FEED_COALESCE_WINDOW, "50ms");
    vars.putAll(env);
    return ServiceConfig.fromMap(SignalsServer.SERVICE_NAME, 0, 0, vars);
  }

  public static TestSignalsServer start(ServiceConfig config) {
    return start(config, Clock.systemUTC());
  }

  /** With {@code clock} as the service's time (ingest days, live features, account history). */
  public static TestSignalsServer start(ServiceConfig config, Clock clock) {
    String name = "signals-" + UUID.randomUUID();
    SignalsServer server = SignalsServer.builder(config).inProcess(name).clock(clock).build().start();
    return new TestSignalsServer(server, InProcessChannelBuilder.forName(name).directExecutor().build());
  }

  public SignalServiceGrpc.SignalServiceBlockingStub blocking() {
    return SignalServiceGrpc.newBlockingStub(channel);
  }

  public SignalServiceGrpc.SignalServiceStub async() {
    return SignalServiceGrpc.newStub(channel);
  }

  public SignalsServer server() {
    return server;
  }

  public ManagedChannel channel() {
    return channel;
  }

  /** Creates bare accounts with these ids. */
  public void createAccounts(String... ids) {
    UpsertAccountsRequest.Builder request = UpsertAccountsRequest.newBuilder();
    for (String id : ids) {
      request.addAccounts(Account.newBuilder().setAccountId(id).setName(id));
    }
    blocking().upsertAccounts(request.build());
  }

  public static Signal number(String eventId, String account, String metric, double value, Instant at) {
    return Signal.newBuilder()
        .setEventId(eventId)
        .setAccountId(account)
        .setMetric(metric)
        .setNumber(value)
        .setOccurredAt(ts(at))
        .setSource("test")
        .build();
  }

  public static Signal label(String eventId, String account, String metric, String label, Instant at) {
    return Signal.newBuilder()
        .setEventId(eventId)
        .setAccountId(account)
        .setMetric(metric)
        .setLabel(label)
        .setOccurredAt(ts(at))
        .setSource("test")
        .build();
  }

  public static Timestamp ts(Instant at) {
    return ProtoMapping.toTimestamp(at);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.close();
  }
}
