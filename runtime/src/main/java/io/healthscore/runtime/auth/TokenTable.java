package io.healthscore.runtime.auth;

import io.healthscore.runtime.logging.SecretScrubber;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which bearer tokens exist and what scopes each grants, loaded from a file of lines
 * {@code <token> <scope>[,<scope>...]}; {@code #} starts a comment, blank lines are skipped.
 *
 * <p>Only SHA-256 digests of the tokens are kept, so a heap dump does not leak them, and a lookup
 * compares the presented digest with every entry in constant time, so response timing does not
 * reveal how much of a token an attacker guessed right.
 */
public final class TokenTable {
  private record Entry(byte[] digest, Set<String> scopes) {}

  private final List<Entry> entries;

  private TokenTable(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Reads a token file; IllegalArgumentException names the file and line of any mistake. */
  public static TokenTable load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read token file " + file + ": " + e.getMessage(), e);
    }
    return parse(lines, file.toString());
  }

  /** Parses token lines; {@code source} names them in error messages. */
  public static TokenTable parse(List<String> lines, String source) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      String content = (hash >= 0 ? line.substring(0, hash) : line).trim();
      if (content.isEmpty()) {
        continue;
      }
      String where = source + " line " + (i + 1);
      String[] parts = content.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(
            where + ": expected '<token> <scope>[,<scope>...]' (scopes separated by commas, no spaces)");
      }
      Set<String> scopes = new LinkedHashSet<>();
      for (String scope : parts[1].split(",")) {
        if (!Scope.ALL.contains(scope)) {
          throw new IllegalArgumentException(
              where + ": unknown scope '" + scope + "'; known scopes: " + String.join(", ", Scope.ALL));
        }
        scopes.add(scope);
      }
      SecretScrubber.register(parts[0]);
      byte[] digest = sha256(parts[0]);
      for (Entry e : entries) {
        if (MessageDigest.isEqual(e.digest(), digest)) {
          throw new IllegalArgumentException(where + ": token listed twice");
        }
      }
      entries.add(new Entry(digest, Set.copyOf(scopes)));
    }
    return new TokenTable(entries);
  }

  /** The scopes the token grants, or empty if the token is unknown. */
  public Optional<Set<String>> scopesFor(String token) {
    byte[] digest = sha256(token);
    Set<String> found = null;
    // No early exit: every lookup costs the same whichever entry matches.
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.digest(), digest) && found == null) {
        found = e.scopes();
      }
    }
    return Optional.ofNullable(found);
  }

  public int size() {
    return entries.size();
  }

  /** A short, non-reversible name for a token, for logs: the first 12 hex digits of its SHA-256. */
  public static String fingerprint(String token) {
    byte[] digest = sha256(token);
    StringBuilder hex = new StringBuilder();
    for (byte b : Arrays.copyOf(digest, 6)) {
      hex.append(String.format("%02x", b));
    }
    return hex.toString();
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM ships SHA-256", e);
    }
  }
}
