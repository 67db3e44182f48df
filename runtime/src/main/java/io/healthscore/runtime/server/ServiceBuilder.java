package io.healthscore.runtime.server;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.healthscore.runtime.client.ClientSecurity;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.metrics.Metrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The one builder shape every service's XServer has: its ServiceConfig, then what differs between
 * production and tests (clock, in-process transport, more services on the same server stack,
 * channels to other services). Main, tests, the command line's local suite and the demo all build
 * a service through its subclass.
 *
 * <p>A subclass adds setters for its upstream channels and calls {@link #upstream} for each: a
 * channel the caller gave is used as it is (the caller closes it); otherwise one is opened to the
 * configured address with the service's outbound TLS and bearer token, and closed when the server
 * stops. {@link #serverBuilder} and {@link #buildServer} wire the ServiceServer the same way for
 * every service. Those four are public only because the XServer that uses them is the subclass's
 * enclosing class; nothing else calls them.
 *
 * @param <B> the subclass, so setters chain
 * @param <S> what {@link #build()} returns
 */
public abstract class ServiceBuilder<B extends ServiceBuilder<B, S>, S> {
  private final ServiceConfig config;
  private final List<ServerServiceDefinition> extraServices = new ArrayList<>();
  private final List<ManagedChannel> ownedChannels = new ArrayList<>();
  private Clock clock = Clock.systemUTC();
  private String inProcessName;
  private ClientSecurity clientSecurity;

  protected ServiceBuilder(ServiceConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /** The service's clock (tests move it). */
  public B clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /** Serve in-process under this name instead of on a port (tests). */
  public B inProcess(String name) {
    this.inProcessName = Objects.requireNonNull(name, "name");
    return self();
  }

  /**
   * One more service on the very same server stack: interceptors, transport and threads (the
   * benchmarks' echo baseline).
   */
  public B addService(ServerServiceDefinition service) {
    extraServices.add(Objects.requireNonNull(service, "service"));
    return self();
  }

  /** Wires the service; call its {@code start()} next. */
  public abstract S build();

  public final ServiceConfig config() {
    return config;
  }

  public final Clock clock() {
    return clock;
  }

  /**
   * {@code given} when the caller set one, else a channel to {@code target} with this service's
   * outbound security (HEALTHSCORE_CLIENT_TOKEN_FILE, HEALTHSCORE_TLS_*), closed when the server
   * stops.
   */
  public final ManagedChannel upstream(ManagedChannel given, String target) {
    if (given != null) {
      return given;
    }
    if (clientSecurity == null) {
      clientSecurity = ClientSecurity.from(config);
    }
    ManagedChannel channel = Channels.forAddress(target, clientSecurity);
    ownedChannels.add(channel);
    return channel;
  }

  /**
   * A ServiceServer builder with the extra services added and a stop hook closing the channels
   * {@link #upstream} opened, so call it after the last {@code upstream}. Hooks the caller adds
   * run after that one.
   */
  public final ServiceServer.Builder serverBuilder(Metrics metrics) {
    ServiceServer.Builder builder = ServiceServer.builder(config, metrics);
    extraServices.forEach(builder::addService);
    List<ManagedChannel> channels = List.copyOf(ownedChannels);
    ClientSecurity security = clientSecurity;
    if (!channels.isEmpty()) {
      builder.onStop(() -> closeChannels(channels));
    }
    if (security != null) {
      builder.onStop(security::close);
    }
    return builder;
  }

  /** On a port, or in-process when {@link #inProcess} was called. */
  public final ServiceServer buildServer(ServiceServer.Builder builder) {
    return inProcessName == null ? builder.build() : builder.buildInProcess(inProcessName);
  }

  private static void closeChannels(List<ManagedChannel> channels) {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels) {
      try {
        channel.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }
}
