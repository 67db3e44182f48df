package io.healthscore.runtime.logging;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in text on its way to the log: the shapes a secret takes in this system (a
 * password in a JDBC URL or connection string, a bearer token, a Slack webhook path, a signing
 * header) and every secret value the services registered when they loaded it (auth tokens, webhook
 * signing keys). The code does not log secrets on purpose; this is the second line of defence, for
 * an exception message or a library's line that quotes one.
 */
public final class SecretScrubber {
  /** Shorter values would mask ordinary words; every secret the services accept is longer. */
  static final int MIN_REGISTERED_LENGTH = 8;

  public static final String MASK = "***";

  private static final Set<String> REGISTERED = ConcurrentHashMap.newKeySet();

  /**
   * A name that holds a secret, then its value: {@code password=...} in a JDBC URL, {@code
   * "secret": "..."} in JSON, {@code token: ...} in a header dump. The value ends at a separator.
   */
  private static final Pattern NAMED =
      Pattern.compile(
          "(?i)(\\b(?:password|passwd|pwd|secret|token|client_secret|api_key|apikey)\\b\"?\\s*[=:]\\s*\"?)"
              + "([^\\s\"&;,'}]+)");

  /** The credentials of {@code scheme://user:password@host}. */
  private static final Pattern URL_USER_INFO = Pattern.compile("(\\b[a-z][a-z0-9+.-]*://[^/\\s:@]+:)([^/\\s@]+)(@)");

  private static final Pattern BEARER = Pattern.compile("(?i)(\\bbearer\\s+)([A-Za-z0-9._~+/=-]+)");

  /** A Slack incoming webhook's path is its credential; the host alone is harmless. */
  private static final Pattern SLACK_WEBHOOK = Pattern.compile("(hooks\\.slack\\.com/)([A-Za-z0-9/_-]+)");

  /** gRPC's dump of a header it refused to send: the value as text or as its bytes in decimal. */
  private static final Pattern METADATA =
      Pattern.compile("(?i)(key=[\\w-]*(?:authorization|token|secret|signature)[\\w-]*,\\s*value=)(\\[[^\\]]*\\]|[^\\s,]+)");

  private SecretScrubber() {}

  /**
   * Masks {@code secret} wherever it appears in the log from now on: call it where a secret is
   * loaded or accepted. Values shorter than {@value #MIN_REGISTERED_LENGTH} characters are left
   * out (they are refused as secrets elsewhere).
   */
  public static void register(String secret) {
    if (secret != null && secret.length() >= MIN_REGISTERED_LENGTH) {
      REGISTERED.add(secret);
    }
  }

  /** {@code text} with every known secret and secret-shaped value replaced by {@value #MASK}. */
  public static String scrub(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (String secret : REGISTERED) {
      if (out.contains(secret)) {
        out = out.replace(secret, MASK);
      }
    }
    out = mask(METADATA, out);
    out = mask(NAMED, out);
    out = mask(URL_USER_INFO, out);
    out = mask(BEARER, out);
    return mask(SLACK_WEBHOOK, out);
  }

  /** Keeps group 1 (the name or prefix) and any group 3, masks group 2 (the value). */
  private static String mask(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    do {
      String suffix = m.groupCount() >= 3 ? m.group(3) : "";
      String value = m.group(2);
      String replacement = value.equals(MASK) ? m.group() : m.group(1) + MASK + suffix;
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    } while (m.find());
    m.appendTail(out);
    return out.toString();
  }
}
