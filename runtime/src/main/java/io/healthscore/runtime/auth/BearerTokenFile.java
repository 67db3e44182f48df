package io.healthscore.runtime.auth;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import io.healthscore.runtime.logging.SecretScrubber;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A bearer token kept in a file (a mounted Secret), sent as {@code authorization: Bearer <token>}
 * on every call. The file is looked at again at most once a second and re-read when its
 * modification time or size changed, so a rotated token is used without a restart. A file that
 * cannot be read at start stops the start; one that goes missing later keeps the last token, so a
 * Secret being swapped does not fail calls.
 */
public final class BearerTokenFile extends CallCredentials {
  private static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Path file;
  private String token;
  private FileTime readModified;
  private long readSize;
  private long checkedAt;

  private BearerTokenFile(Path file) {
    this.file = Objects.requireNonNull(file, "file");
    this.checkedAt = System.nanoTime();
    try {
      read();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read token file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads the token now; IllegalArgumentException names the file when it is unreadable or empty. */
  public static BearerTokenFile load(Path file) {
    return new BearerTokenFile(file);
  }

  /** The token as the file holds it now (trimmed). */
  public synchronized String token() {
    long now = System.nanoTime();
    if (now - checkedAt >= RECHECK_NANOS) {
      checkedAt = now;
      try {
        if (!Files.getLastModifiedTime(file).equals(readModified) || Files.size(file) != readSize) {
          read();
        }
      } catch (IOException | IllegalArgumentException e) {
        // Keep the last good token: a Secret mid-swap or a half-written file must not fail calls.
      }
    }
    return token;
  }

  private void read() throws IOException {
    FileTime modified = Files.getLastModifiedTime(file);
    long size = Files.size(file);
    String value = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (value.isEmpty()) {
      throw new IllegalArgumentException("token file " + file + " is empty");
    }
    SecretScrubber.register(value);
    token = value;
    readModified = modified;
    readSize = size;
  }

  @Override
  public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
    try {
      Metadata headers = new Metadata();
      headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token());
      applier.apply(headers);
    } catch (RuntimeException e) {
      applier.fail(Status.UNAUTHENTICATED.withDescription("cannot read the bearer token").withCause(e));
    }
  }

  @Override
  public String toString() {
    return "BearerTokenFile{" + file + "}";
  }
}
