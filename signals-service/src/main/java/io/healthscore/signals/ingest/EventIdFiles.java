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
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembered event ids on disk, one append-only file per ingestion day ({@code ids-<epochDay>.bin}),
 * so that expiring a day is deleting its file.
 *
 * <p>A file is a sequence of chunks: {@code int count, int crc32c, count x (long high, long low)}.
 * A torn chunk (crash or failed write while appending) fails its length or checksum; the ids it held
 * are still in the write-ahead log, which is only deleted after the append synced. A failed append
 * cuts the file back to where it started; should damage still sit between intact chunks (a retried
 * append after a failure that could not be undone), loading skips it and keeps every intact chunk
 * after it, and only a damaged tail is cut off.
 */
final class EventIdFiles {
  private static final Logger LOG = LoggerFactory.getLogger(EventIdFiles.class);
  private static final Pattern NAME = Pattern.compile("ids-(\\d+)\\.bin");
  private static final int CHUNK_IDS = 65_536;
  private static final int CHUNK_HEADER = 8;

  private final Path dir;

  EventIdFiles(Path dir) {
    this.dir = dir;
  }

  /**
   * Appends entries (pairs of high and low words, see {@link EventIdSet}) to the files of their
   * days and syncs them. {@code today} resolves the days, which entries keep modulo 65536.
   */
  void append(long[] entries, int count, long today) throws IOException {
    TreeMap<Integer, List<Integer>> byDay = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      byDay.computeIfAbsent(EventIdSet.day(entries[2 * i + 1]), d -> new ArrayList<>()).add(i);
    }
    for (var day : byDay.entrySet()) {
      Path file = dir.resolve("ids-" + fullDay(today, day.getKey()) + ".bin");
      try (FileChannel channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        long start = channel.size();
        try {
          appendChunks(channel, entries, day.getValue());
        } catch (IOException | RuntimeException e) {
          try {
            channel.truncate(start);
          } catch (IOException undo) {
            e.addSuppressed(undo);
          }
          throw e;
        }
      }
    }
    WriteAheadLog.syncDirectory(dir);
  }

  private static void appendChunks(FileChannel channel, long[] entries, List<Integer> indexes)
      throws IOException {
    for (int from = 0; from < indexes.size(); from += CHUNK_IDS) {
      int n = Math.min(CHUNK_IDS, indexes.size() - from);
      ByteBuffer chunk = ByteBuffer.allocate(CHUNK_HEADER + n * 16);
      chunk.position(CHUNK_HEADER);
      for (int k = from; k < from + n; k++) {
        int i = indexes.get(k);
        chunk.putLong(entries[2 * i]).putLong(entries[2 * i + 1]);
      }
      CRC32C crc = new CRC32C();
      crc.update(chunk.array(), CHUNK_HEADER, n * 16);
      chunk.putInt(0, n).putInt(4, (int) crc.getValue());
      chunk.flip();
      while (chunk.hasRemaining()) {
        channel.write(chunk);
      }
    }
    channel.force(false);
  }

  /**
   * Loads the ids of the last {@code retentionDays} days into {@code set}, deleting older files
   * and cutting torn chunks off.
   */
  void load(EventIdSet set, long today, int retentionDays) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "ids-*.bin")) {
      for (Path file : files) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        long day = Long.parseLong(m.group(1));
        if (today - day > retentionDays) {
          Files.delete(file);
        } else {
          loadFile(file, set);
        }
      }
    }
  }

  /** Deletes the files of days more than {@code retentionDays} before today. */
  void deleteExpired(long today, int retentionDays) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "ids-*.bin")) {
      for (Path file : files) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (m.matches() && today - Long.parseLong(m.group(1)) > retentionDays) {
          Files.delete(file);
        }
      }
    }
  }

  private static void loadFile(Path file, EventIdSet set) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = channel.size();
      long position = 0;
      long intactEnd = 0;
      while (position < size) {
        ByteBuffer body = chunkAt(channel, position, size);
        if (body != null) {
          int count = body.capacity() / 16;
          for (int i = 0; i < count; i++) {
            set.add(body.getLong(i * 16), body.getLong(i * 16 + 8));
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
        LOG.warn("event id file " + file + ": cutting a torn tail of " + (size - intactEnd)
            + " bytes at byte " + intactEnd);
        channel.truncate(intactEnd);
        channel.force(false);
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

  /** The full epoch day whose low 16 bits are {@code storedDay}, at most 65535 days before today. */
  private static long fullDay(long today, int storedDay) {
    return today - EventIdSet.age(today, storedDay);
  }
}
