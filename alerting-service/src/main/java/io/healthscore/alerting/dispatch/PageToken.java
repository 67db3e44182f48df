package io.healthscore.alerting.dispatch;

import io.healthscore.runtime.error.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Where a page of deliveries ended: the last row's event cursor and channel id. Opaque to clients
 * (base64url), stable under concurrent inserts because newer rows sort before it.
 */
record PageToken(long cursor, String channelId) {

  String encode() {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((cursor + ":" + channelId).getBytes(StandardCharsets.UTF_8));
  }

  /** Empty for an empty token; INVALID_ARGUMENT on {@code field} for one we did not issue. */
  static Optional<PageToken> decode(String token, String field) {
    if (token.isEmpty()) {
      return Optional.empty();
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int colon = text.indexOf(':');
      return Optional.of(new PageToken(Long.parseLong(text.substring(0, colon)), text.substring(colon + 1)));
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw InvalidArgumentException.forField(field, "is not a page token returned by this service");
    }
  }
}
