package io.healthscore.runtime.tls;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import io.healthscore.runtime.config.WatchedFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * Key and trust managers that follow their PEM files: every reload interval the files' modification
 * times and sizes are compared and changed files are read again, so a renewed certificate
 * (cert-manager, a rotated Secret) is used from the next handshake on, without a restart.
 *
 * <p>A file that cannot be read at start stops the start naming it. Later, a file that does not
 * parse, or a certificate whose key does not match (say, the certificate was replaced and its key
 * not yet), keeps the last good credentials, logs one warning, and is tried again when the files
 * change once more ({@link WatchedFiles}).
 */
public final class CertificateReloader implements AutoCloseable {
  private final WatchedFiles files;

  /** Checks the files of every manager made here every {@code interval}. */
  public CertificateReloader(Duration interval) {
    this.files = new WatchedFiles(interval, "tls-reload");
  }

  /** Presents the certificate chain of {@code cert} with the PKCS#8 key of {@code key}. */
  public AdvancedTlsX509KeyManager keyManager(Path cert, Path key) {
    AdvancedTlsX509KeyManager manager = new AdvancedTlsX509KeyManager();
    files.watch(
        List.of(cert, key),
        () -> {
          X509Certificate[] chain = readCertificates(cert);
          PrivateKey privateKey = readKey(key);
          requireMatchingKey(chain[0], privateKey, cert, key);
          manager.updateIdentityCredentials(chain, privateKey);
        },
        "the certificate " + cert + " with the key " + key + " (PEM; the key in PKCS#8, 'BEGIN PRIVATE KEY')");
    return manager;
  }

  /**
   * Trusts the certificates of the PEM file {@code ca}; {@code checkHostName} also requires the
   * peer's certificate to name the host dialled (clients checking servers).
   */
  public AdvancedTlsX509TrustManager trustManager(Path ca, boolean checkHostName) {
    AdvancedTlsX509TrustManager manager;
    try {
      manager =
          AdvancedTlsX509TrustManager.newBuilder()
              .setVerification(
                  checkHostName
                      ? AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION
                      : AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
              .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a trust manager", e);
    }
    files.watch(List.of(ca), () -> manager.updateTrustCredentials(readCertificates(ca)), "the CA certificates " + ca + " (PEM)");
    return manager;
  }

  @Override
  public void close() {
    files.close();
  }

  private static X509Certificate[] readCertificates(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      X509Certificate[] certificates = CertificateUtils.getX509Certificates(in);
      if (certificates.length == 0) {
        throw new GeneralSecurityException(file + " holds no PEM certificate");
      }
      return certificates;
    }
  }

  private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
      throw new GeneralSecurityException(file + " holds no PKCS#8 key ('BEGIN PRIVATE KEY')");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateUtils.getPrivateKey(in);
    }
  }

  /** Signs with the key and verifies with the certificate: a pair replaced halfway fails here, not in handshakes. */
  private static void requireMatchingKey(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile)
      throws GeneralSecurityException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm();
        };
    byte[] probe = "healthscore key check".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(cert.getPublicKey());
    verifier.update(probe);
    if (!verifier.verify(signature)) {
      throw new GeneralSecurityException("the key " + keyFile + " does not belong to the certificate " + certFile);
    }
  }
}
