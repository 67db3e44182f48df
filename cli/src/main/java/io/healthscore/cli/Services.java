package io.healthscore.cli;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.healthscore.runtime.client.ClientSecurity;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.SignalServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Channels to the three services with the bearer token and TLS settings of the command line, sent
 * and checked as the services' own outbound channels do (the same ClientSecurity).
 */
public final class Services implements AutoCloseable {
  /** Deadline of one unary call; imports and learning calls set their own. */
  public static final long CALL_SECONDS = 30;

  private final String signalsAddress;
  private final String scoringAddress;
  private final String alertingAddress;
  private final ClientSecurity security;
  private final List<ManagedChannel> open = new ArrayList<>();
  private ManagedChannel signals;
  private ManagedChannel scoring;
  private ManagedChannel alerting;

  /** Each file may be null; a certificate needs its key. */
  public Services(
      String signals, String scoring, String alerting, Path tokenFile, Path tlsCa, Path tlsCert, Path tlsKey) {
    this.signalsAddress = signals;
    this.scoringAddress = scoring;
    this.alertingAddress = alerting;
    try {
      this.security =
          ClientSecurity.of(
              Optional.ofNullable(tlsCa),
              Optional.ofNullable(tlsCert),
              Optional.ofNullable(tlsKey),
              Optional.ofNullable(tokenFile),
              // One command is short-lived: its files are not watched for long.
              Duration.ofMinutes(1));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--token-file, --tls-ca, --tls-cert, --tls-key: " + e.getMessage());
    }
  }

  private synchronized ManagedChannel channel(String address) {
    ManagedChannel c = Grpc.newChannelBuilder(address, security.credentials()).maxInboundMessageSize(64 << 20).build();
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
    security.close();
  }
}
