package io.healthscore.cli;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.SignalServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** Channels to the three services with the bearer token and TLS settings of the command line. */
public final class Services implements AutoCloseable {
  /** Deadline of one unary call; imports and learning calls set their own. */
  public static final long CALL_SECONDS = 30;

  private final String signalsAddress;
  private final String scoringAddress;
  private final String alertingAddress;
  private final ChannelCredentials credentials;
  private final List<ManagedChannel> open = new ArrayList<>();
  private ManagedChannel signals;
  private ManagedChannel scoring;
  private ManagedChannel alerting;

  public Services(String signals, String scoring, String alerting, Path tokenFile, Path tlsCa) {
    this.signalsAddress = signals;
    this.scoringAddress = scoring;
    this.alertingAddress = alerting;
    this.credentials = credentials(tokenFile, tlsCa);
  }

  private static ChannelCredentials credentials(Path tokenFile, Path tlsCa) {
    ChannelCredentials transport;
    try {
      transport = tlsCa == null ? InsecureChannelCredentials.create() : TlsChannelCredentials.newBuilder().trustManager(tlsCa.toFile()).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read --tls-ca " + tlsCa, e);
    }
    if (tokenFile == null) {
      return transport;
    }
    String token;
    try {
      token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read --token-file " + tokenFile, e);
    }
    return CompositeChannelCredentials.create(transport, new BearerToken(token));
  }

  private synchronized ManagedChannel channel(String address) {
    ManagedChannel c = Grpc.newChannelBuilder(address, credentials).maxInboundMessageSize(64 << 20).build();
    open.add(c);
    return c;
  }

  public synchronized SignalServiceGrpc.SignalServiceBlockingStub signals() {
    if (signals == null) {
      signals = channel(signalsAddress);
    }
    return SignalServiceGrpc.newBlockingStub(signals).withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
  }

  public synchronized SignalServiceGrpc.SignalServiceStub signalsAsync() {
    signals();
    return SignalServiceGrpc.newStub(signals);
  }

  public synchronized ScoringServiceGrpc.ScoringServiceBlockingStub scoring() {
    if (scoring == null) {
      scoring = channel(scoringAddress);
    }
    return ScoringServiceGrpc.newBlockingStub(scoring).withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
  }

  /** For learning calls, which read every account's history. */
  public ScoringServiceGrpc.ScoringServiceBlockingStub scoringLong() {
    return scoring().withDeadlineAfter(30, TimeUnit.MINUTES);
  }

  public synchronized AlertingServiceGrpc.AlertingServiceBlockingStub alerting() {
    if (alerting == null) {
      alerting = channel(alertingAddress);
    }
    return AlertingServiceGrpc.newBlockingStub(alerting).withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public synchronized void close() {
    for (ManagedChannel c : open) {
      c.shutdownNow();
    }
  }

  private static final class BearerToken extends CallCredentials {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final String token;

    BearerToken(String token) {
      this.token = token;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + token);
      applier.apply(headers);
    }
  }
}
