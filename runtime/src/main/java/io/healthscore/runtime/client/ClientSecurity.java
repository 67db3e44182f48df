package io.healthscore.runtime.client;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.healthscore.runtime.auth.BearerTokenFile;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.config.TlsFiles;
import io.healthscore.runtime.tls.CertificateReloader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What a service's channels to the other services present and check: TLS verifying the server
 * against HEALTHSCORE_TLS_CA (the JDK's trusted CAs when only a certificate of its own is set),
 * the client certificate (HEALTHSCORE_TLS_CLIENT_CERT/_KEY, else the server pair), and the bearer
 * token of HEALTHSCORE_CLIENT_TOKEN_FILE. Certificates and the token follow their files. One per
 * service, shared by its channels; close it after them.
 */
public final class ClientSecurity implements AutoCloseable {
  private final ChannelCredentials credentials;
  private final CertificateReloader reloader;

  private ClientSecurity(ChannelCredentials credentials, CertificateReloader reloader) {
    this.credentials = credentials;
    this.reloader = reloader;
  }

  /** Plaintext, no token. */
  public static ClientSecurity plaintext() {
    return new ClientSecurity(InsecureChannelCredentials.create(), null);
  }

  public static ClientSecurity from(ServiceConfig config) {
    TlsFiles tls = config.tls();
    return of(tls.ca(), tls.outboundCert(), tls.outboundKey(), config.clientTokenFile(), tls.reloadInterval());
  }

  /**
   * TLS when {@code ca} or {@code cert} is given: servers verified against {@code ca} (else the
   * JDK's trusted CAs), {@code cert} with {@code key} presented when given; the token of {@code
   * tokenFile} on every call when given. Files are checked for changes every {@code
   * reloadInterval}.
   */
  public static ClientSecurity of(
      Optional<Path> ca, Optional<Path> cert, Optional<Path> key, Optional<Path> tokenFile, Duration reloadInterval) {
    if (cert.isPresent() != key.isPresent()) {
      throw new IllegalArgumentException("a client certificate needs its key and a key its certificate");
    }
    boolean tls = ca.isPresent() || cert.isPresent();
    CertificateReloader reloader = tls ? new CertificateReloader(reloadInterval) : null;
    try {
      ChannelCredentials transport = InsecureChannelCredentials.create();
      if (reloader != null) {
        TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
        ca.ifPresent(file -> builder.trustManager(reloader.trustManager(file, true)));
        cert.ifPresent(file -> builder.keyManager(reloader.keyManager(file, key.orElseThrow())));
        transport = builder.build();
      }
      ChannelCredentials credentials =
          tokenFile.isPresent()
              ? CompositeChannelCredentials.create(transport, BearerTokenFile.load(tokenFile.get()))
              : transport;
      return new ClientSecurity(credentials, reloader);
    } catch (RuntimeException e) {
      if (reloader != null) {
        reloader.close();
      }
      throw e;
    }
  }

  public ChannelCredentials credentials() {
    return credentials;
  }

  @Override
  public void close() {
    if (reloader != null) {
      reloader.close();
    }
  }
}
