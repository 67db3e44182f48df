package io.healthscore.runtime.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A throw-away certificate authority for TLS tests, made with the JDK alone: P-256 keys and X.509
 * v3 certificates written as DER by hand (the JDK can parse and check certificates but has no
 * public API to make one). Every certificate is parsed back by the JDK before it is handed out, so
 * an encoding mistake fails here rather than as a puzzling handshake error.
 *
 * <pre>{@code
 * TestCertificateAuthority ca = TestCertificateAuthority.create("test CA");
 * ca.writeCertificate(dir.resolve("ca.pem"));
 * ca.issue("signals-service").write(dir.resolve("tls.crt"), dir.resolve("tls.key"));
 * }</pre>
 */
public final class TestCertificateAuthority {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] ECDSA_SHA256 = oid(1, 2, 840, 10045, 4, 3, 2);
  private static final byte[] COMMON_NAME = oid(2, 5, 4, 3);
  private static final byte[] BASIC_CONSTRAINTS = oid(2, 5, 29, 19);
  private static final byte[] SUBJECT_ALT_NAME = oid(2, 5, 29, 17);
  private static final DateTimeFormatter UTC_TIME =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  private final String name;
  private final KeyPair keys;
  private final X509Certificate certificate;

  private TestCertificateAuthority(String name, KeyPair keys, X509Certificate certificate) {
    this.name = name;
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A certificate and its key, issued by a test CA. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    /** Writes the certificate as PEM and the key as PKCS#8 PEM ('BEGIN PRIVATE KEY'). */
    public void write(Path certFile, Path keyFile) {
      writePem(certFile, "CERTIFICATE", encoded(certificate));
      writePem(keyFile, "PRIVATE KEY", key.getEncoded());
    }
  }

  /** A new self-signed CA named {@code name}. */
  public static TestCertificateAuthority create(String name) {
    KeyPair keys = newKeyPair();
    X509Certificate cert = sign(name, keys.getPublic().getEncoded(), name, keys.getPrivate(), true, List.of());
    return new TestCertificateAuthority(name, keys, cert);
  }

  /** A certificate for {@code commonName} valid for localhost and 127.0.0.1, signed by this CA. */
  public Issued issue(String commonName) {
    KeyPair leaf = newKeyPair();
    X509Certificate cert =
        sign(commonName, leaf.getPublic().getEncoded(), name, keys.getPrivate(), false, List.of("localhost", "127.0.0.1"));
    return new Issued(cert, leaf.getPrivate());
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** Writes this CA's certificate as PEM: what HEALTHSCORE_TLS_CA and --tls-ca read. */
  public void writeCertificate(Path file) {
    writePem(file, "CERTIFICATE", encoded(certificate));
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has P-256", e);
    }
  }

  private static X509Certificate sign(
      String subject, byte[] subjectPublicKeyInfo, String issuer, PrivateKey issuerKey, boolean ca,
      List<String> altNames) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    byte[] algorithm = sequence(ECDSA_SHA256);
    List<byte[]> extensions = new ArrayList<>();
    extensions.add(
        extension(BASIC_CONSTRAINTS, true, ca ? sequence(tlv(0x01, new byte[] {(byte) 0xff})) : sequence()));
    if (!altNames.isEmpty()) {
      List<byte[]> names = new ArrayList<>();
      for (String altName : altNames) {
        names.add(
            Character.isDigit(altName.charAt(0))
                ? tlv(0x87, ipAddress(altName))
                : tlv(0x82, altName.getBytes(StandardCharsets.US_ASCII)));
      }
      extensions.add(extension(SUBJECT_ALT_NAME, false, sequence(names.toArray(byte[][]::new))));
    }
    byte[] tbs =
        sequence(
            tlv(0xa0, integer(BigInteger.TWO)),
            integer(new BigInteger(64, RANDOM).add(BigInteger.ONE)),
            algorithm,
            name(issuer),
            sequence(utcTime(now.minus(1, ChronoUnit.HOURS)), utcTime(now.plus(1, ChronoUnit.DAYS))),
            name(subject),
            subjectPublicKeyInfo,
            tlv(0xa3, sequence(extensions.toArray(byte[][]::new))));
    try {
      Signature signer = Signature.getInstance("SHA256withECDSA");
      signer.initSign(issuerKey);
      signer.update(tbs);
      byte[] der = sequence(tbs, algorithm, bitString(signer.sign()));
      return (X509Certificate)
          CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a test certificate for " + subject, e);
    }
  }

  private static byte[] extension(byte[] oid, boolean critical, byte[] value) {
    return critical
        ? sequence(oid, tlv(0x01, new byte[] {(byte) 0xff}), tlv(0x04, value))
        : sequence(oid, tlv(0x04, value));
  }

  private static byte[] name(String commonName) {
    byte[] attribute = sequence(COMMON_NAME, tlv(0x0c, commonName.getBytes(StandardCharsets.UTF_8)));
    return sequence(tlv(0x31, attribute));
  }

  private static byte[] utcTime(Instant instant) {
    return tlv(0x17, UTC_TIME.format(instant).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] ipAddress(String ip) {
    try {
      return InetAddress.getByName(ip).getAddress();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] integer(BigInteger value) {
    return tlv(0x02, value.toByteArray());
  }

  private static byte[] bitString(byte[] bits) {
    byte[] content = new byte[bits.length + 1];
    System.arraycopy(bits, 0, content, 1, bits.length);
    return tlv(0x03, content);
  }

  private static byte[] oid(int... arcs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(arcs[0] * 40 + arcs[1]);
    for (int i = 2; i < arcs.length; i++) {
      int arc = arcs[i];
      int shift = 28;
      while (shift > 0 && (arc >>> shift) == 0) {
        shift -= 7;
      }
      for (; shift > 0; shift -= 7) {
        out.write(0x80 | ((arc >>> shift) & 0x7f));
      }
      out.write(arc & 0x7f);
    }
    return tlv(0x06, out.toByteArray());
  }

  private static byte[] sequence(byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      content.writeBytes(part);
    }
    return tlv(0x30, content.toByteArray());
  }

  /** One DER element: tag, definite length, content. */
  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      byte[] lengthBytes = BigInteger.valueOf(length).toByteArray();
      int start = lengthBytes[0] == 0 ? 1 : 0;
      out.write(0x80 | (lengthBytes.length - start));
      out.write(lengthBytes, start, lengthBytes.length - start);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void writePem(Path file, String type, byte[] der) {
    String pem =
        "-----BEGIN " + type + "-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    try {
      // Written aside and moved into place, as a Secret update swaps files: a reload never reads half a file.
      Path partial = file.resolveSibling(file.getFileName() + ".partial");
      Files.writeString(partial, pem, StandardCharsets.US_ASCII);
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
