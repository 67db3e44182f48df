package io.healthscore.alerting.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UrlGuardTest {
  private final UrlGuard none = new UrlGuard(List.of());

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1/hook",
        "http://127.1.2.3:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://172.31.255.255/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[fc00::1]/hook",
        "http://0.0.0.0/hook",
        "http://[::]/hook",
        "http://224.0.0.1/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "http://100.127.255.255/hook",
        "http://198.18.0.1/hook",
        "http://198.19.255.255/hook",
        "http://240.0.0.1/hook",
        "http://255.255.255.255/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[2002:7f00:1::1]/hook",
        "http://[::127.0.0.1]/hook",
        "http://[::a00:1]/hook",
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook"
      })
  void refusesInternalAddresses(String url) {
    Optional<String> refusal = none.refusal(url);
    assertTrue(refusal.isPresent(), url);
    assertTrue(refusal.get().contains("HEALTHSCORE_WEBHOOK_ALLOWLIST"), refusal.get());
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://8.8.8.8/hook", "http://172.32.0.1/hook", "http://[2001:4860::8888]/x", "http://100.128.0.1/x", "http://198.20.0.1/x"})
  void allowsPublicAddresses(String url) {
    assertEquals(Optional.empty(), none.refusal(url));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://8.8.8.8/x", "file:///etc/passwd", "8.8.8.8/hook", "http:///nohost", "http://user:pw@8.8.8.8/"})
  void refusesWhatIsNotAPlainHttpUrl(String url) {
    assertTrue(none.refusal(url).isPresent(), url);
  }

  @Test
  void aRefusalNamesTheKindOfAddressButNotTheAddress() {
    UrlGuard guard = new UrlGuard(List.of(), host -> new InetAddress[] {InetAddress.getByName("10.20.30.40")});
    String refusal = guard.refusal("https://hooks.example.com/x").orElseThrow();
    assertTrue(refusal.contains("a private address"), refusal);
    assertFalse(refusal.contains("10.20.30.40"), refusal);
  }

  @Test
  void aCheckedTargetCarriesTheAddressesThatWereChecked() throws Exception {
    InetAddress checked = InetAddress.getByName("127.0.0.1");
    UrlGuard guard = new UrlGuard(List.of("127.0.0.1"), host -> new InetAddress[] {checked});
    UrlGuard.Target target = guard.check("https://hooks.example.com/x?y=1").target().orElseThrow();
    assertEquals(List.of(checked), target.addresses());
    assertEquals("hooks.example.com", target.host());
    assertEquals(443, target.port());
    assertTrue(target.https());
  }

  @Test
  void theAllowlistTakesHostsAddressesAndRanges() {
    UrlGuard guard = new UrlGuard(List.of("127.0.0.1", " 10.0.0.0/8", "localhost", "fd00::/8"));
    assertEquals(Optional.empty(), guard.refusal("http://127.0.0.1:9000/hook"));
    assertEquals(Optional.empty(), guard.refusal("http://10.200.3.4/hook"));
    assertEquals(Optional.empty(), guard.refusal("http://localhost/hook"));
    assertEquals(Optional.empty(), guard.refusal("http://[fd12::1]/hook"));
    assertTrue(guard.refusal("http://127.0.0.2/hook").isPresent());
    assertTrue(guard.refusal("http://192.168.0.1/hook").isPresent());
    assertTrue(guard.refusal("http://11.0.0.1/hook").isEmpty());
  }

  @Test
  void aMalformedRangeStopsTheStart() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new UrlGuard(List.of("10.0.0.0/40")));
    assertTrue(e.getMessage().contains("HEALTHSCORE_WEBHOOK_ALLOWLIST"));
    assertThrows(IllegalArgumentException.class, () -> new UrlGuard(List.of("hooks.internal/8")));
  }
}
