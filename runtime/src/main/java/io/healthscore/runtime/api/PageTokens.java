package io.healthscore.runtime.api;

import io.healthscore.runtime.error.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Opaque page tokens for List RPCs: the position where the previous page ended (a few parts, such
 * as a sort value and an id), tagged with the listing that issued it so a token of one listing is
 * refused by another. Every part is encoded on its own, so parts may hold any text.
 *
 * <p>A token that is not one of ours, or belongs to another listing, is INVALID_ARGUMENT naming
 * {@value #FIELD}.
 */
public final class PageTokens {
  /** The request field every List RPC carries its token in. */
  public static final String FIELD = "page_token";

  private static final Pattern LISTING = Pattern.compile("[a-z0-9_.-]+");
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private PageTokens() {}

  /** The token for a page that ended at {@code parts}, issued by {@code listing} (e.g. "accounts"). */
  public static String encode(String listing, Object... parts) {
    if (!LISTING.matcher(listing).matches()) {
      throw new IllegalArgumentException("listing must match " + LISTING + ": " + listing);
    }
    StringBuilder text = new StringBuilder(listing);
    for (Object part : parts) {
      text.append('|').append(ENCODER.encodeToString(String.valueOf(part).getBytes(StandardCharsets.UTF_8)));
    }
    return ENCODER.encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Empty for an empty token (the first page), else the position {@code listing} encoded in it. */
  public static Optional<Position> decode(String listing, String token) {
    if (token.isEmpty()) {
      return Optional.empty();
    }
    try {
      String[] fields = new String(DECODER.decode(token), StandardCharsets.UTF_8).split("\\|", -1);
      if (!fields[0].equals(listing)) {
        throw invalid();
      }
      List<String> parts = new ArrayList<>(fields.length - 1);
      for (int i = 1; i < fields.length; i++) {
        parts.add(new String(DECODER.decode(fields[i]), StandardCharsets.UTF_8));
      }
      return Optional.of(new Position(List.copyOf(parts)));
    } catch (IllegalArgumentException notBase64) {
      throw invalid();
    }
  }

  /** INVALID_ARGUMENT naming {@value #FIELD}: the token was not issued by this listing. */
  public static InvalidArgumentException invalid() {
    return invalid("is not a page token issued by this listing");
  }

  /** INVALID_ARGUMENT naming {@value #FIELD} with a more precise reason. */
  public static InvalidArgumentException invalid(String description) {
    return InvalidArgumentException.forField(FIELD, description);
  }

  /** The parts of a decoded token; reading a missing or malformed part is INVALID_ARGUMENT. */
  public record Position(List<String> parts) {
    public String text(int index) {
      if (index < 0 || index >= parts.size()) {
        throw invalid();
      }
      return parts.get(index);
    }

    public long number(int index) {
      try {
        return Long.parseLong(text(index));
      } catch (NumberFormatException e) {
        throw invalid();
      }
    }

    /** A double stored exactly (use {@link Double#toString}, which round-trips). */
    public double decimal(int index) {
      try {
        return Double.parseDouble(text(index));
      } catch (NumberFormatException e) {
        throw invalid();
      }
    }
  }
}
