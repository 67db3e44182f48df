package io.healthscore.runtime.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.TestCertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateReloaderTest {
  @TempDir Path dir;

  private static String issuer(AdvancedTlsX509KeyManager manager) {
    String alias = manager.chooseEngineServerAlias("EC", null, null);
    return manager.getCertificateChain(alias)[0].getIssuerX500Principal().getName();
  }

  @Test
  void aReplacedPairIsPresentedAndAHalfReplacedPairIsNot() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    TestCertificateAuthority.create("first").issue("svc").write(cert, key);
    try (CertificateReloader reloader = new CertificateReloader(Duration.ofMillis(100))) {
      AdvancedTlsX509KeyManager manager = reloader.keyManager(cert, key);
      assertEquals("CN=first", issuer(manager));

      TestCertificateAuthority.create("second").issue("svc").write(cert, key);
      Await.until("the second pair", () -> issuer(manager).equals("CN=second"));

      // A certificate whose key has not arrived yet is not presented: handshakes keep working.
      TestCertificateAuthority.create("third").issue("svc").write(dir.resolve("next.crt"), dir.resolve("next.key"));
      Files.move(dir.resolve("next.crt"), cert, StandardCopyOption.REPLACE_EXISTING);
      Thread.sleep(500);
      assertEquals("CN=second", issuer(manager));
      Files.move(dir.resolve("next.key"), key, StandardCopyOption.REPLACE_EXISTING);
      Await.until("the third pair once its key arrived", () -> issuer(manager).equals("CN=third"));
    }
  }
}
