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
 * to an address that is not public (loopback, private, link-local, shared, reserved, multicast,
 * and IPv6 forms that carry an IPv4 address inside) unless the host, or a CIDR range or address
 * containing every resolved address, is in HEALTHSCORE_WEBHOOK_ALLOWLIST.
 *
 * <p>A host is resolved once per check and the send connects to exactly the addresses checked
 * ({@link Target}), so a name that resolves inward a moment later (DNS rebinding) is never
 * connected to. Redirects are never followed, so a public receiver cannot bounce a delivery inward
 * either. Refusals name the kind of address, never the address: an answer must not map the inside
 * of the network for whoever stores channels.
 */
public final class UrlGuard {
  /** Resolves a host name to its addresses; the system resolver outside tests. */
  public interface HostResolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** A checked URL: where to connect (only these addresses), and the name for Host and TLS. */
  public record Target(URI uri, String host, int port, boolean https, List<InetAddress> addresses) {}

  /** The outcome of a check: a target to connect to, or why the URL is refused. */
  public record Checked(Optional<Target> target, Optional<String> refusal) {
    static Checked refused(String why) {
      return new Checked(Optional.empty(), Optional.of(why));
    }
  }

  /** A non-public address range and what to call its addresses in a refusal. */
  private record Internal(Cidr range, String kind) {}

  /**
   * Ranges that are not the public internet (IANA special-purpose registries). Checked in order;
   * the first match names the kind.
   */
  private static final List<Internal> INTERNAL =
      List.of(
          internal("0.0.0.0/8", "an unspecified"),
          internal("10.0.0.0/8", "a private"),
          internal("100.64.0.0/10", "a shared (carrier-grade NAT)"),
          internal("127.0.0.0/8", "a loopback"),
          internal("169.254.0.0/16", "a link-local"),
          internal("172.16.0.0/12", "a private"),
          internal("192.0.0.0/24", "a protocol-assignment"),
          internal("192.0.2.0/24", "a documentation"),
          internal("192.168.0.0/16", "a private"),
          internal("198.18.0.0/15", "a benchmarking"),
          internal("198.51.100.0/24", "a documentation"),
          internal("203.0.113.0/24", "a documentation"),
          internal("224.0.0.0/4", "a multicast"),
          internal("240.0.0.0/4", "a reserved"),
          internal("::/128", "an unspecified"),
          internal("::1/128", "a loopback"),
          internal("::ffff:0:0/96", "an IPv4-mapped"),
          internal("::/96", "an IPv4-compatible"),
          internal("64:ff9b::/96", "a NAT64"),
          internal("64:ff9b:1::/48", "a NAT64"),
          internal("100::/64", "a discard"),
          internal("2001::/32", "a Teredo"),
          internal("2001:db8::/32", "a documentation"),
          internal("2002::/16", "a 6to4"),
          internal("fc00::/7", "a private"),
          internal("fe80::/10", "a link-local"),
          internal("fec0::/10", "a site-local"),
          internal("ff00::/8", "a multicast"));

  private final Set<String> allowedHosts = new HashSet<>();
  private final List<Cidr> allowedRanges = new ArrayList<>();
  private final HostResolver resolver;

  /**
   * {@code allowlist}: host names, IP addresses or CIDR ranges, e.g. {@code 127.0.0.1},
   * {@code 10.0.0.0/8}, {@code hooks.internal}. A malformed CIDR range is refused at start.
   */
  public UrlGuard(List<String> allowlist) {
    this(allowlist, InetAddress::getAllByName);
  }

  public UrlGuard(List<String> allowlist, HostResolver resolver) {
    this.resolver = resolver;
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
    return check(url).refusal();
  }

  /** Resolves the URL's host once and checks every address; a send connects only to the target's. */
  public Checked check(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Checked.refused("is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Checked.refused("must use http or https");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      return Checked.refused("must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      return Checked.refused("must not carry credentials before the host");
    }
    String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(bareHost);
    } catch (UnknownHostException e) {
      return Checked.refused("host " + bareHost + " does not resolve");
    }
    if (addresses.length == 0) {
      return Checked.refused("host " + bareHost + " does not resolve");
    }
    if (!allowedHosts.contains(bareHost.toLowerCase(Locale.ROOT))) {
      for (InetAddress address : addresses) {
        Optional<String> kind = internalKind(address);
        if (kind.isPresent() && allowedRanges.stream().noneMatch(r -> r.contains(address))) {
          return Checked.refused(
              "host " + bareHost + " resolves to " + kind.get()
                  + " address; add it to HEALTHSCORE_WEBHOOK_ALLOWLIST to allow it");
        }
      }
    }
    boolean https = scheme.equals("https");
    int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
    return new Checked(Optional.of(new Target(uri, host, port, https, List.of(addresses))), Optional.empty());
  }

  /** What kind of non-public address this is, or empty for a public one. */
  private static Optional<String> internalKind(InetAddress a) {
    for (Internal range : INTERNAL) {
      if (range.range().contains(a)) {
        return Optional.of(range.kind());
      }
    }
    return Optional.empty();
  }

  private static Internal internal(String cidr, String kind) {
    return new Internal(Cidr.parse(cidr), kind);
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
      if (addressPart.contains(":") && network.length == 4) {
        // Java reads ::ffff:a.b.c.d as the IPv4 address; keep the range in IPv6 form.
        network = mappedToV6(network);
      }
      if (prefix < 0 || prefix > network.length * 8) {
        throw new IllegalArgumentException(
            "HEALTHSCORE_WEBHOOK_ALLOWLIST: prefix length of '" + text + "' is out of range");
      }
      return new Cidr(network, prefix);
    }

    private static byte[] mappedToV6(byte[] v4) {
      byte[] v6 = new byte[16];
      v6[10] = (byte) 0xff;
      v6[11] = (byte) 0xff;
      System.arraycopy(v4, 0, v6, 12, 4);
      return v6;
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
