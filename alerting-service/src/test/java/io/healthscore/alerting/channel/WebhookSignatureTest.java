package io.healthscore.alerting.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
  @Test
  void signsTimestampDotBodyWithHmacSha256() {
    // The reference HMAC below is checked against a published test vector first.
    String body = "quick brown fox jumps over the lazy dog";
    assertEquals(
        "v1=" + hmacOf("key", "1." + body),
        WebhookSignature.sign("key", 1, body));
    assertEquals(
        "v1=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
        "v1=" + hmacOf("key", "The quick brown fox jumps over the lazy dog"));
  }

  @Test
  void anyChangeChangesTheSignature() {
    String signature = WebhookSignature.sign("secret", 1_700_000_000L, "{\"a\":1}");
    assertNotEquals(signature, WebhookSignature.sign("secret", 1_700_000_001L, "{\"a\":1}"));
    assertNotEquals(signature, WebhookSignature.sign("secret", 1_700_000_000L, "{\"a\":2}"));
    assertNotEquals(signature, WebhookSignature.sign("other", 1_700_000_000L, "{\"a\":1}"));
  }

  private static String hmacOf(String key, String message) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(key.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
      return java.util.HexFormat.of().formatHex(mac.doFinal(message.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
