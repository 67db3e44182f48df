package io.healthscore.alerting.channel;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps webhooks from reaching the inside of the network (SSRF): refuses URLs whose host resolves
 * to a loopback, link-local, private (RFC 1918, fc00::/7), unspecified or multicast address unless
 * the host, or a CIDR range or address containing every resolved address, is in
 * HEALTHSCORE_WEBHOOK_ALLOWLIST.
 *
 * <p>Channels are checked when stored and again before every send, because the name may resolve
 * elsewhere by then (DNS rebinding). Redirects are never followed, so a public receiver cannot
 * bounce a delivery inward either.
 */
public final class UrlGuard {
  private final Set<String> allowedHosts = new HashSet<>();
  private final List<Cidr> allowedRanges = new ArrayList<>();

  /**
   * {@code allowlist}: host names, IP addresses or CIDR ranges, e.g. {@code 127.0.0.1},
   * {@code 10.0.0.0/8}, {@code hooks.internal}. A malformed CIDR range is refused at start.
   */
  public UrlGuard(List<String> allowlist) {
    for (String entry : allowlist) {
      String e = entry.trim().toLowerCase(Locale.ROOT);
      if (e.isEmpty()) {
        continue;
      }
      if (e.contains("/")) {
        allowedRanges.add(Cidr.parse(e));
      } else if (isIpLiteral(e)) {
        allowedRanges.add(Cidr.parse(e + "/" + (e.contains(":") ? 128 : 32)));
      } else {
        allowedHosts.add(e);
      }
    }
  }

  /** Why the URL may not be used, or empty when it may. Resolves the host now. */
  public Optional<String> refusal(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.of("is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("must use http or https");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      return Optional.of("must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("must not carry credentials before the host");
    }
    String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (allowedHosts.contains(bareHost.toLowerCase(Locale.ROOT))) {
      return Optional.empty();
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(bareHost);
    } catch (UnknownHostException e) {
      return Optional.of("host " + bareHost + " does not resolve");
    }
    for (InetAddress address : addresses) {
      Optional<String> kind = internalKind(address);
      if (kind.isPresent() && allowedRanges.stream().noneMatch(r -> r.contains(address))) {
        return Optional.of(
            "host "
                + bareHost
                + " resolves to "
                + kind.get()
                + " address "
                + address.getHostAddress()
                + "; add it to HEALTHSCORE_WEBHOOK_ALLOWLIST to allow it");
      }
    }
    return Optional.empty();
  }

  /** What kind of non-public address this is, or empty for a public one. */
  private static Optional<String> internalKind(InetAddress a) {
    if (a.isLoopbackAddress()) {
      return Optional.of("a loopback");
    }
    if (a.isAnyLocalAddress() || firstByte(a) == 0) {
      return Optional.of("an unspecified");
    }
    if (a.isLinkLocalAddress()) {
      return Optional.of("a link-local");
    }
    if (a.isMulticastAddress()) {
      return Optional.of("a multicast");
    }
    // isSiteLocalAddress covers 10/8, 172.16/12, 192.168/16 (and deprecated fec0::/10).
    if (a.isSiteLocalAddress() || isUniqueLocalV6(a)) {
      return Optional.of("a private");
    }
    return Optional.empty();
  }

  private static int firstByte(InetAddress a) {
    return a.getAddress().length == 4 ? a.getAddress()[0] & 0xff : -1;
  }

  private static boolean isUniqueLocalV6(InetAddress a) {
    byte[] b = a.getAddress();
    return b.length == 16 && (b[0] & 0xfe) == 0xfc;
  }

  private static boolean isIpLiteral(String s) {
    return s.matches("[0-9.]+") && s.chars().filter(c -> c == '.').count() == 3 || s.contains(":");
  }

  /** An address range such as 10.0.0.0/8 or fc00::/7. */
  private record Cidr(byte[] network, int prefixLength) {
    static Cidr parse(String text) {
      int slash = text.indexOf('/');
      String addressPart = text.substring(0, slash);
      if (!isIpLiteral(addressPart)) {
        throw new IllegalArgumentException(
            "HEALTHSCORE_WEBHOOK_ALLOWLIST: '" + text + "' is not an address range such as 10.0.0.0/8");
      }
      byte[] network;
      int prefix;
      try {
        // A literal address: getByName does not consult DNS for it.
        network = InetAddress.getByName(addressPart).getAddress();
        prefix = Integer.parseInt(text.substring(slash + 1));
      } catch (UnknownHostException | NumberFormatException e) {
        throw new IllegalArgumentException(
            "HEALTHSCORE_WEBHOOK_ALLOWLIST: '" + text + "' is not an address range such as 10.0.0.0/8", e);
      }
      if (prefix < 0 || prefix > network.length * 8) {
        throw new IllegalArgumentException(
            "HEALTHSCORE_WEBHOOK_ALLOWLIST: prefix length of '" + text + "' is out of range");
      }
      return new Cidr(network, prefix);
    }

    boolean contains(InetAddress address) {
      byte[] candidate = address.getAddress();
      if (candidate.length != network.length) {
        return false;
      }
      int bits = network.length * 8;
      BigInteger mask =
          BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
              .xor(BigInteger.ONE.shiftLeft(bits - prefixLength).subtract(BigInteger.ONE));
      return new BigInteger(1, candidate).and(mask).equals(new BigInteger(1, network).and(mask));
    }
  }
}
