package io.healthscore.runtime.tls;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.healthscore.runtime.config.TlsFiles;

/**
 * The gRPC server's transport security from HEALTHSCORE_TLS_*: plaintext without a certificate;
 * TLS with HEALTHSCORE_TLS_CERT and _KEY; mutual TLS, refusing callers without a certificate
 * signed by HEALTHSCORE_TLS_CA, when that is set too. Certificates follow their files (see {@link
 * CertificateReloader}); close the server's TLS when the server stops.
 */
public final class ServerTls implements AutoCloseable {
  private final ServerCredentials credentials;
  private final CertificateReloader reloader;

  private ServerTls(ServerCredentials credentials, CertificateReloader reloader) {
    this.credentials = credentials;
    this.reloader = reloader;
  }

  public static ServerTls from(TlsFiles files) {
    if (!files.serverTls()) {
      return new ServerTls(InsecureServerCredentials.create(), null);
    }
    CertificateReloader reloader = new CertificateReloader(files.reloadInterval());
    try {
      TlsServerCredentials.Builder tls =
          TlsServerCredentials.newBuilder()
              .keyManager(reloader.keyManager(files.cert().orElseThrow(), files.key().orElseThrow()));
      if (files.requireClientCertificates()) {
        // Callers are services and tools, not hosts: their certificates name no host to check.
        tls.trustManager(reloader.trustManager(files.ca().orElseThrow(), false))
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return new ServerTls(tls.build(), reloader);
    } catch (RuntimeException e) {
      reloader.close();
      throw e;
    }
  }

  public ServerCredentials credentials() {
    return credentials;
  }

  @Override
  public void close() {
    if (reloader != null) {
      reloader.close();
    }
  }
}
