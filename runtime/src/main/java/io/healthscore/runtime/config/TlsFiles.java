package io.healthscore.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where a service's certificates and keys are (HEALTHSCORE_TLS_*), checked for consistency at
 * start: a certificate without its key, or a CA for client certificates on a plaintext server, is a
 * mistake that would otherwise show up as refused connections.
 *
 * @param cert the server's PEM certificate chain; with {@code key}, the gRPC server speaks TLS
 * @param key the server's PKCS#8 PEM key
 * @param ca the PEM CA that signs client certificates (required of callers) and the servers
 *     outbound channels reach
 * @param clientCert presented on outbound calls; defaults to {@code cert}
 * @param clientKey the key of {@code clientCert}; defaults to {@code key}
 * @param reloadInterval how often the files are checked for a change
 */
public record TlsFiles(
    Optional<Path> cert,
    Optional<Path> key,
    Optional<Path> ca,
    Optional<Path> clientCert,
    Optional<Path> clientKey,
    Duration reloadInterval) {

  /** Validates the combination; IllegalArgumentException names the variables. */
  public static TlsFiles of(
      Optional<Path> cert,
      Optional<Path> key,
      Optional<Path> ca,
      Optional<Path> clientCert,
      Optional<Path> clientKey,
      Duration reloadInterval) {
    requirePair(cert, key, ServiceConfig.TLS_CERT, ServiceConfig.TLS_KEY);
    requirePair(clientCert, clientKey, ServiceConfig.TLS_CLIENT_CERT, ServiceConfig.TLS_CLIENT_KEY);
    if (ca.isPresent() && cert.isEmpty()) {
      throw new IllegalArgumentException(
          ServiceConfig.TLS_CA
              + " makes the server require client certificates, which needs a TLS server: set "
              + ServiceConfig.TLS_CERT
              + " and "
              + ServiceConfig.TLS_KEY
              + " too");
    }
    if (reloadInterval.isZero() || reloadInterval.isNegative()) {
      throw new IllegalArgumentException(ServiceConfig.TLS_RELOAD_INTERVAL + " must be positive");
    }
    return new TlsFiles(cert, key, ca, clientCert, clientKey, reloadInterval);
  }

  /** No TLS anywhere. */
  public static TlsFiles none() {
    return new TlsFiles(
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        ServiceConfig.DEFAULT_TLS_RELOAD_INTERVAL);
  }

  public boolean serverTls() {
    return cert.isPresent();
  }

  public boolean requireClientCertificates() {
    return ca.isPresent();
  }

  /** The certificate presented outbound: the client pair, else the server pair. */
  public Optional<Path> outboundCert() {
    return clientCert.or(() -> cert);
  }

  public Optional<Path> outboundKey() {
    return clientKey.or(() -> key);
  }

  private static void requirePair(Optional<Path> cert, Optional<Path> key, String certVar, String keyVar) {
    if (cert.isPresent() != key.isPresent()) {
      throw new IllegalArgumentException(
          certVar + " and " + keyVar + " go together: set both or neither (" + (cert.isPresent() ? keyVar : certVar)
              + " is missing)");
    }
  }
}
