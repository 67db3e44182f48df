package io.healthscore.signals.api;

import io.healthscore.runtime.error.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque page tokens: the position after which the next page starts, tagged with the listing it
 * belongs to so a token of one RPC is refused by another.
 */
final class PageTokens {
  private PageTokens() {}

  static String encode(String kind, String position) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((kind + ":" + position).getBytes(StandardCharsets.UTF_8));
  }

  /** The position in {@code token}; INVALID_ARGUMENT naming page_token if it is not ours. */
  static String decode(String kind, String token) {
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    if (!text.startsWith(kind + ":")) {
      throw invalid();
    }
    return text.substring(kind.length() + 1);
  }

  static InvalidArgumentException invalid() {
    return InvalidArgumentException.forField("page_token", "is not a page token issued by this listing");
  }
}
