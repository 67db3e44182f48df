package io.healthscore.scoring.api;

import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.scoring.store.ScoreQuery;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque ListScores page tokens: where the previous page ended plus a fingerprint of the filters
 * and order, so a token cannot be replayed against another query.
 */
final class PageToken {
  private PageToken() {}

  static String encode(String queryFingerprint, ScoreQuery.Position after) {
    String raw =
        "1|" + queryFingerprint + "|" + Long.toHexString(Double.doubleToLongBits(after.sortValue())) + "|" + after.accountId();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** The position, or null for an empty token. */
  static ScoreQuery.Position decode(String token, String queryFingerprint) {
    if (token.isEmpty()) {
      return null;
    }
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = raw.split("\\|", 4);
      if (parts.length != 4 || !parts[0].equals("1")) {
        throw invalid();
      }
      if (!parts[1].equals(queryFingerprint)) {
        throw InvalidArgumentException.forField(
            "page_token", "belongs to a query with other filters or order");
      }
      return new ScoreQuery.Position(Double.longBitsToDouble(Long.parseUnsignedLong(parts[2], 16)), parts[3]);
    } catch (IllegalArgumentException malformed) {
      throw invalid();
    }
  }

  private static InvalidArgumentException invalid() {
    return InvalidArgumentException.forField("page_token", "is not a token this server issued");
  }
}
