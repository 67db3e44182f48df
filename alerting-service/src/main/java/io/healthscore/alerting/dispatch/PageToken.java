package io.healthscore.alerting.dispatch;

import io.healthscore.runtime.api.PageTokens;
import java.util.Optional;

/**
 * Where a page of deliveries ended: the last row's event cursor and channel id, stable under
 * concurrent inserts because newer rows sort before it. Opaque to clients (shared PageTokens).
 */
record PageToken(long cursor, String channelId) {
  private static final String LISTING = "deliveries";

  String encode() {
    return PageTokens.encode(LISTING, cursor, channelId);
  }

  /** Empty for an empty token; INVALID_ARGUMENT on page_token for one we did not issue. */
  static Optional<PageToken> decode(String token) {
    return PageTokens.decode(LISTING, token).map(p -> new PageToken(p.number(0), p.text(1)));
  }
}
