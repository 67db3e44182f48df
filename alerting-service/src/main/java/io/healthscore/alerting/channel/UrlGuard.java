package io.healthscore.alerting.channel;

import java.util.List;

/**
 * Keeps webhooks from reaching the inside of the network (SSRF): refuses URLs whose host resolves
 * to a loopback, link-local, private, unspecified or multicast address unless the host or a CIDR
 * range containing the address is in HEALTHSCORE_WEBHOOK_ALLOWLIST.
 */
public final class UrlGuard {

  /** {@code allowlist}: host names, IP addresses or CIDR ranges, e.g. 127.0.0.1, 10.0.0.0/8. */
  public UrlGuard(List<String> allowlist) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Why the URL may not be used, or empty when it may. Resolves the host now. */
  public java.util.Optional<String> refusal(String url) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
