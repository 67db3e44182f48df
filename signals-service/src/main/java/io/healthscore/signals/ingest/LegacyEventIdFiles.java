package io.healthscore.signals.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event id files of the former format, one per arrival day ({@code ids-<epochDay>.bin}) in the
 * log directory, read once at the first start of this version and folded into the {@link
 * EventIdStore}.
 *
 * <p>A file is a sequence of chunks: {@code int count, int crc32c, count x (long high, long low)}.
 * A torn chunk fails its length or checksum: reading skips damaged bytes (logged) and keeps every
 * intact chunk after them, so a torn write never loses the ids written after it.
 */
final class LegacyEventIdFiles {
  private static final Logger LOG = LoggerFactory.getLogger(LegacyEventIdFiles.class);
  private static final Pattern NAME = Pattern.compile("ids-(\\d+)\\.bin");
  private static final int CHUNK_IDS = 65_536;
  private static final int CHUNK_HEADER = 8;

  private final Path dir;

  LegacyEventIdFiles(Path dir) {
    this.dir = dir;
  }

  /** An id read from a file: its two words as the file holds them, and the file's arrival day. */
  interface IdVisitor {
    void id(long high, long low, long epochDay) throws IOException;
  }

  /**
   * Hands the ids of the last {@code retentionDays} days to {@code visitor} (skipping torn chunks,
   * as below) and then calls {@code whenRead}, after which the files are deleted; older files are
   * deleted unread. A crash before the deletion reads them again at the next start.
   */
  void foldInto(IdVisitor visitor, IoAction whenRead, long today, int retentionDays) throws IOException {
    List<Path> read = new ArrayList<>();
    List<Path> expired = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "ids-*.bin")) {
      for (Path file : files) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        long day = Long.parseLong(m.group(1));
        if (today - day > retentionDays) {
          expired.add(file);
        } else {
          loadFile(file, day, visitor);
          read.add(file);
        }
      }
    }
    whenRead.run();
    for (Path file : read) {
      Files.delete(file);
    }
    for (Path file : expired) {
      Files.delete(file);
    }
    WriteAheadLog.syncDirectory(dir);
  }

  /** A step that may fail with an IOException. */
  interface IoAction {
    void run() throws IOException;
  }

  private static void loadFile(Path file, long day, IdVisitor visitor) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      long position = 0;
      long intactEnd = 0;
      while (position < size) {
        ByteBuffer body = chunkAt(channel, position, size);
        if (body != null) {
          int count = body.capacity() / 16;
          for (int i = 0; i < count; i++) {
            visitor.id(body.getLong(i * 16), body.getLong(i * 16 + 8), day);
          }
          position += CHUNK_HEADER + count * 16L;
          intactEnd = position;
          continue;
        }
        long next = nextChunk(channel, position + 1, size);
        if (next < 0) {
          break;
        }
        long damaged = position;
        long skipped = next - position;
        LOG.warn("event id file " + file + ": skipping " + skipped + " damaged bytes at byte "
            + damaged + "; the intact chunks after them are kept");
        position = next;
      }
      if (intactEnd < size) {
        LOG.warn("event id file " + file + ": ignoring a torn tail of " + (size - intactEnd)
            + " bytes at byte " + intactEnd);
      }
    }
  }

  /** The body of the intact chunk starting at {@code position}, or null if none starts there. */
  private static ByteBuffer chunkAt(FileChannel channel, long position, long size) throws IOException {
    if (size - position < CHUNK_HEADER) {
      return null;
    }
    ByteBuffer header = ByteBuffer.allocate(CHUNK_HEADER);
    if (readFully(channel, header, position) < CHUNK_HEADER) {
      return null;
    }
    int count = header.getInt(0);
    int expectedCrc = header.getInt(4);
    if (count <= 0 || count > CHUNK_IDS || size - position - CHUNK_HEADER < count * 16L) {
      return null;
    }
    ByteBuffer body = ByteBuffer.allocate(count * 16);
    readFully(channel, body, position + CHUNK_HEADER);
    CRC32C crc = new CRC32C();
    crc.update(body.array(), 0, body.capacity());
    return (int) crc.getValue() == expectedCrc ? body : null;
  }

  /**
   * Where the next intact chunk at or after {@code from} starts, or -1 if none does. Headers are
   * screened in memory a window at a time; only plausible ones have their checksum verified.
   */
  private static long nextChunk(FileChannel channel, long from, long size) throws IOException {
    ByteBuffer window = ByteBuffer.allocate(1 << 20);
    for (long base = from; base + CHUNK_HEADER <= size; base += window.capacity() - CHUNK_HEADER) {
      window.clear();
      int read = readFully(channel, window, base);
      for (int i = 0; i + CHUNK_HEADER <= read; i++) {
        int count = window.getInt(i);
        long p = base + i;
        if (count > 0 && count <= CHUNK_IDS && size - p - CHUNK_HEADER >= count * 16L
            && chunkAt(channel, p, size) != null) {
          return p;
        }
      }
    }
    return -1;
  }

  private static int readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
    int total = 0;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }
}
