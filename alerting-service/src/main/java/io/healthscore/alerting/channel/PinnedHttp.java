package io.healthscore.alerting.channel;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 POST to an address the {@link UrlGuard} checked, never to a fresh resolution of the
 * name: the connection goes to the target's addresses while the Host header, TLS server name (SNI)
 * and certificate check use the URL's host. The JDK's HttpClient cannot be told which address to
 * connect to, which is why this exists. One request per connection (Connection: close), no
 * redirects, and everything, connect included, within one deadline.
 */
final class PinnedHttp {
  /** What the receiver answered: status, the headers the sender reads, and the body's start. */
  record Response(int status, Map<String, String> headers, String bodyExcerpt) {
    Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }
  }

  /** The deadline passed before the receiver answered. */
  static final class TimedOut extends IOException {
    TimedOut() {
      super("timed out");
    }
  }

  private static final int MAX_HEADER_BYTES = 64 * 1024;
  private final int maxBodyExcerpt;
  private final SSLSocketFactory tls;

  PinnedHttp(int maxBodyExcerpt, SSLSocketFactory tls) {
    this.maxBodyExcerpt = maxBodyExcerpt;
    this.tls = tls;
  }

  /** Posts {@code body}, trying the target's addresses in order until one connects. */
  Response post(UrlGuard.Target target, Map<String, String> headers, byte[] body, long timeoutMs)
      throws IOException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    IOException last = null;
    for (InetAddress address : target.addresses()) {
      Socket socket = new Socket();
      try {
        socket.connect(new InetSocketAddress(address, target.port()), remainingMs(deadline));
      } catch (SocketTimeoutException e) {
        socket.close();
        throw new TimedOut();
      } catch (IOException e) {
        socket.close();
        last = e;
        continue;
      }
      try (Socket connection = target.https() ? secure(socket, target) : socket) {
        return exchange(connection, target, headers, body, deadline);
      } catch (SocketTimeoutException e) {
        throw new TimedOut();
      }
    }
    throw last == null ? new IOException("no address to connect to") : last;
  }

  private Socket secure(Socket plain, UrlGuard.Target target) throws IOException {
    String host = bare(target.host());
    SSLSocket socket = (SSLSocket) tls.createSocket(plain, host, target.port(), true);
    SSLParameters params = socket.getSSLParameters();
    // Verify the certificate against the URL's host, not the address connected to.
    params.setEndpointIdentificationAlgorithm("HTTPS");
    if (!target.host().startsWith("[") && !Character.isDigit(host.charAt(host.length() - 1))) {
      params.setServerNames(List.of(new SNIHostName(host)));
    }
    socket.setSSLParameters(params);
    return socket;
  }

  private Response exchange(
      Socket socket, UrlGuard.Target target, Map<String, String> headers, byte[] body, long deadline)
      throws IOException {
    socket.setSoTimeout(remainingMs(deadline));
    StringBuilder head = new StringBuilder();
    String path = target.uri().getRawPath() == null || target.uri().getRawPath().isEmpty()
        ? "/" : target.uri().getRawPath();
    if (target.uri().getRawQuery() != null) {
      path += "?" + target.uri().getRawQuery();
    }
    boolean defaultPort = target.port() == (target.https() ? 443 : 80);
    head.append("POST ").append(path).append(" HTTP/1.1\r\n")
        .append("Host: ").append(target.host()).append(defaultPort ? "" : ":" + target.port()).append("\r\n")
        .append("Content-Length: ").append(body.length).append("\r\n")
        .append("Connection: close\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();

    InputStream in = new BufferedInputStream(socket.getInputStream());
    String statusLine = readLine(in, socket, deadline);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP answer");
    }
    int status;
    try {
      status = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status: " + parts[1]);
    }
    Map<String, String> responseHeaders = new HashMap<>();
    int headerBytes = statusLine.length();
    for (String line = readLine(in, socket, deadline); !line.isEmpty(); line = readLine(in, socket, deadline)) {
      headerBytes += line.length();
      if (headerBytes > MAX_HEADER_BYTES) {
        throw new IOException("answer headers exceed " + MAX_HEADER_BYTES + " bytes");
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        responseHeaders.putIfAbsent(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    return new Response(status, responseHeaders, excerpt(in, socket, deadline, responseHeaders));
  }

  /** The start of the body (the first chunk's when chunked), at most the excerpt size. */
  private String excerpt(InputStream in, Socket socket, long deadline, Map<String, String> headers)
      throws IOException {
    long limit = maxBodyExcerpt;
    if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
      String size = readLine(in, socket, deadline);
      int semicolon = size.indexOf(';');
      try {
        limit = Math.min(limit, Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16));
      } catch (NumberFormatException e) {
        return "";
      }
    } else if (headers.containsKey("content-length")) {
      try {
        limit = Math.min(limit, Long.parseLong(headers.get("content-length")));
      } catch (NumberFormatException e) {
        return "";
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[maxBodyExcerpt];
    while (bytes.size() < limit) {
      socket.setSoTimeout(remainingMs(deadline));
      int n = in.read(buffer, 0, (int) (limit - bytes.size()));
      if (n < 0) {
        break;
      }
      bytes.write(buffer, 0, n);
    }
    return bytes.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
  }

  private static String readLine(InputStream in, Socket socket, long deadline) throws IOException {
    socket.setSoTimeout(remainingMs(deadline));
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the receiver closed the connection before answering");
      }
      if (b == '\n') {
        break;
      }
      if (line.size() > MAX_HEADER_BYTES) {
        throw new IOException("answer line exceeds " + MAX_HEADER_BYTES + " bytes");
      }
      line.write(b);
    }
    String text = line.toString(StandardCharsets.ISO_8859_1);
    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
  }

  /** Milliseconds left, at least 1 (0 would mean no timeout to a socket). */
  private static int remainingMs(long deadline) throws TimedOut {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new TimedOut();
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }

  private static String bare(String host) {
    return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
  }
}
