package io.healthscore.runtime.auth;

import io.healthscore.runtime.config.WatchedFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The token table of HEALTHSCORE_AUTH_TOKENS, read again whenever the file changes ({@link
 * WatchedFiles}, at the TLS reload interval), so tokens are added and revoked without a restart. A
 * file that does not parse later keeps the table in force and logs a warning naming the line.
 */
public final class TokenTableFile implements Supplier<TokenTable>, AutoCloseable {
  private final WatchedFiles watch;
  private volatile TokenTable table;

  private TokenTableFile(Path file, Duration interval) {
    this.watch = new WatchedFiles(interval, "token-table-reload");
    try {
      watch.watch(List.of(file), () -> table = TokenTable.load(file), "the token table " + file);
    } catch (RuntimeException e) {
      watch.close();
      throw e;
    }
  }

  /** Reads the table now; IllegalArgumentException names the file and line of any mistake. */
  public static TokenTableFile load(Path file, Duration interval) {
    return new TokenTableFile(file, interval);
  }

  /** The table as last read. */
  @Override
  public TokenTable get() {
    return table;
  }

  @Override
  public void close() {
    watch.close();
  }
}
