package io.healthscore.alerting.channel;

import io.healthscore.v1.ChannelType;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * What of a channel's URL the API shows. A Slack incoming-webhook URL is its own credential (who
 * holds it can post to the channel), so its path is shown masked; a webhook's URL keeps its host
 * and path but not its query, where receivers put their tokens. Storing a channel
 * with its masked URL keeps the stored one, so a channel read from the API can be edited and
 * stored again.
 */
final class ChannelUrls {
  static final String MASK = "***";

  private ChannelUrls() {}

  /** {@code url} as the API shows it for a channel of {@code type}. */
  static String masked(ChannelType type, String url) {
    if (url.isEmpty()) {
      return url;
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return MASK; // stored before validation was as strict: show nothing of it
    }
    if (uri.getScheme() == null || uri.getRawAuthority() == null) {
      return MASK;
    }
    // URLs with user info are refused when stored (UrlGuard), so the authority is host and port.
    String origin = uri.getScheme() + "://" + uri.getRawAuthority();
    if (type == ChannelType.CHANNEL_TYPE_SLACK) {
      return origin + "/" + MASK;
    }
    StringBuilder out = new StringBuilder(origin).append(uri.getRawPath() == null ? "" : uri.getRawPath());
    if (uri.getRawQuery() != null) {
      out.append('?').append(MASK);
    }
    return out.toString();
  }

  /** Whether the API would show {@code url} as exactly {@code candidate} with something hidden. */
  static boolean isMaskedFormOf(ChannelType type, String candidate, String url) {
    return candidate.contains(MASK) && !candidate.equals(url) && masked(type, url).equals(candidate);
  }
}
