package io.healthscore.alerting.channel;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The X-Healthscore-Signature header: {@code v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>}.
 * Signing the timestamp with the body lets receivers refuse replays of old requests; the "v1="
 * prefix leaves room for another scheme later.
 */
public final class WebhookSignature {
  public static final String TIMESTAMP_HEADER = "X-Healthscore-Timestamp";
  public static final String SIGNATURE_HEADER = "X-Healthscore-Signature";
  public static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

  private WebhookSignature() {}

  /** The header value for a body sent at {@code unixSeconds}. */
  public static String sign(String secret, long unixSeconds, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] digest = mac.doFinal((unixSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1=" + HexFormat.of().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }
}
