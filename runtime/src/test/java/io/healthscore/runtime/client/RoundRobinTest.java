package io.healthscore.runtime.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.healthscore.runtime.EchoService;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A target that resolves to several addresses (as dns:/// of a headless Service does, one per
 * replica) gets its calls spread over all of them, without any service config from the caller.
 */
class RoundRobinTest {

  @Test
  void callsSpreadOverEveryResolvedAddress() throws Exception {
    AtomicInteger first = new AtomicInteger();
    AtomicInteger second = new AtomicInteger();
    Server a = counting(first);
    Server b = counting(second);
    NameResolverProvider twoReplicas = new FixedAddresses("two-replicas", List.of(address(a), address(b)));
    NameResolverRegistry.getDefaultRegistry().register(twoReplicas);
    ManagedChannel channel = Channels.forAddress("two-replicas:///scoring");
    try {
      for (int i = 0; i < 20; i++) {
        assertEquals(
            "echo:" + i,
            ClientCalls.blockingUnaryCall(
                channel, EchoService.UNARY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "" + i));
      }
      // round_robin alternates over READY subchannels; pick_first would send all 20 to one.
      assertTrue(first.get() >= 5 && second.get() >= 5, first.get() + " and " + second.get());
      assertEquals(20, first.get() + second.get());
    } finally {
      channel.shutdownNow();
      NameResolverRegistry.getDefaultRegistry().deregister(twoReplicas);
      a.shutdownNow();
      b.shutdownNow();
    }
  }

  private static Server counting(AtomicInteger calls) throws Exception {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(
            ServerInterceptors.intercept(
                EchoService.definition(),
                new ServerInterceptor() {
                  @Override
                  public <Q, R> ServerCall.Listener<Q> interceptCall(
                      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                    calls.incrementAndGet();
                    return next.startCall(call, headers);
                  }
                }))
        .build()
        .start();
  }

  private static SocketAddress address(Server server) {
    return server.getListenSockets().get(0);
  }

  /** Resolves every target of its scheme to the same fixed addresses, once. */
  private static final class FixedAddresses extends NameResolverProvider {
    private final String scheme;
    private final List<SocketAddress> addresses;

    FixedAddresses(String scheme, List<SocketAddress> addresses) {
      this.scheme = scheme;
      this.addresses = addresses;
    }

    @Override
    public NameResolver newNameResolver(URI target, NameResolver.Args args) {
      if (!scheme.equals(target.getScheme())) {
        return null;
      }
      return new NameResolver() {
        @Override
        public String getServiceAuthority() {
          return "scoring";
        }

        @Override
        public void start(Listener2 listener) {
          listener.onResult(
              ResolutionResult.newBuilder()
                  .setAddresses(addresses.stream().map(EquivalentAddressGroup::new).toList())
                  .build());
        }

        @Override
        public void shutdown() {}
      };
    }

    @Override
    public String getDefaultScheme() {
      return scheme;
    }

    @Override
    protected boolean isAvailable() {
      return true;
    }

    @Override
    protected int priority() {
      return 5;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
      return List.of(InetSocketAddress.class);
    }
  }
}
