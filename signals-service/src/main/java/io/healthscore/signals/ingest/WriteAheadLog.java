package io.healthscore.signals.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Numbered segment files ({@code wal-<20 digits>.log}) of framed records: {@code int length, int
 * crc32c(payload), payload}. Each segment starts with an 8-byte magic that carries the format version.
 *
 * <p>Only one thread appends. A record belongs to the log once {@link #sync()} returned after it was
 * written; a crash may leave a torn last record, which {@link #replay} detects by its length or
 * checksum and cuts off.
 */
final class WriteAheadLog implements Closeable {
  static final int RECORD_HEADER = 8;
  /** Far above any batch; a larger length can only be garbage from a torn write. */
  static final int MAX_RECORD_BYTES = 1 << 30;

  private static final byte[] MAGIC = {'H', 'S', 'W', 'A', 'L', 0, 0, 1};
  private static final Pattern NAME = Pattern.compile("wal-(\\d{20})\\.log");

  /** Opens a segment file for writing; a seam for tests that make the disk fail. */
  interface SegmentOpener {
    FileChannel open(Path path) throws IOException;

    SegmentOpener FILES =
        path ->
            FileChannel.open(
                path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
  }

  /** Receives the payload of each intact record, in log order. */
  interface RecordHandler {
    void accept(long segment, byte[] data, int offset, int length) throws IOException;
  }

  private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);

  private final Path dir;
  private final boolean fsync;
  private final SegmentOpener opener;
  private FileChannel channel;
  private long segment;
  private long segmentBytes;
  /** Set when a roll failed: the log has no segment to append to and refuses every write. */
  private IOException broken;

  /** Starts a fresh segment numbered {@code firstSegment}; older segments stay for replay. */
  WriteAheadLog(Path dir, long firstSegment, boolean fsync) throws IOException {
    this(dir, firstSegment, fsync, SegmentOpener.FILES);
  }

  WriteAheadLog(Path dir, long firstSegment, boolean fsync, SegmentOpener opener) throws IOException {
    this.dir = dir;
    this.fsync = fsync;
    this.opener = opener;
    this.channel = create(firstSegment);
    this.segment = firstSegment;
    this.segmentBytes = MAGIC.length;
  }

  long segment() {
    return segment;
  }

  long segmentBytes() {
    return segmentBytes;
  }

  /** Appends framed records (see {@link #frame}); they are durable after the next {@link #sync()}. */
  void write(byte[] data, int length) throws IOException {
    if (broken != null) {
      throw new IOException("write-ahead log has no usable segment after a failed roll", broken);
    }
    ByteBuffer buffer = ByteBuffer.wrap(data, 0, length);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    segmentBytes += length;
  }

  void sync() throws IOException {
    if (fsync) {
      channel.force(false);
    }
  }

  /**
   * Syncs the current segment and continues in the next one. The next segment is complete (magic
   * written and synced) before it replaces the current one; if making it fails (disk full), the
   * partial file is removed and the log refuses every later write, because appending to a file
   * without its header would write records that replay cannot read.
   */
  void roll() throws IOException {
    if (broken != null) {
      throw new IOException("write-ahead log has no usable segment after a failed roll", broken);
    }
    sync();
    FileChannel next;
    try {
      next = create(segment + 1);
    } catch (IOException e) {
      broken = e;
      throw e;
    }
    channel.close();
    channel = next;
    segment++;
    segmentBytes = MAGIC.length;
  }

  /** Deletes the segments numbered below {@code segmentNumber}. */
  void deleteBefore(long segmentNumber) throws IOException {
    for (long s : segments(dir)) {
      if (s < segmentNumber) {
        Files.deleteIfExists(segmentPath(dir, s));
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (channel.isOpen()) {
      sync();
      channel.close();
    }
  }

  /** A new segment file holding its magic (synced), or none at all if that fails. */
  private FileChannel create(long number) throws IOException {
    Path path = segmentPath(dir, number);
    FileChannel created = opener.open(path);
    try {
      ByteBuffer magic = ByteBuffer.wrap(MAGIC);
      while (magic.hasRemaining()) {
        created.write(magic);
      }
      if (fsync) {
        created.force(true);
        syncDirectory(dir);
      }
      return created;
    } catch (IOException | RuntimeException e) {
      try {
        created.close();
        Files.deleteIfExists(path);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * Completes a record whose payload was written at {@code start + RECORD_HEADER} up to {@code end}
   * of {@code data}: fills in its length and checksum.
   */
  static void frame(byte[] data, int start, int end) {
    int length = end - start - RECORD_HEADER;
    CRC32C crc = new CRC32C();
    crc.update(data, start + RECORD_HEADER, length);
    ByteBuffer header = ByteBuffer.wrap(data, start, RECORD_HEADER);
    header.putInt(length).putInt((int) crc.getValue());
  }

  /** Segment numbers present in {@code dir}, ascending. */
  static List<Long> segments(Path dir) throws IOException {
    List<Long> numbers = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "wal-*.log")) {
      for (Path file : files) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (m.matches()) {
          numbers.add(Long.parseLong(m.group(1)));
        }
      }
    }
    numbers.sort(null);
    return numbers;
  }

  /**
   * Feeds every intact record of the segments numbered {@code fromSegment} and above to {@code
   * handler}. A damaged record in the last segment is a torn write: that segment is truncated
   * before it. Damage anywhere else means the disk lost synced data, and fails.
   *
   * @return the highest segment number present, or {@code fromSegment - 1} if none
   */
  static long replay(Path dir, long fromSegment, RecordHandler handler) throws IOException {
    List<Long> all = segments(dir);
    List<Long> numbers = all.stream().filter(s -> s >= fromSegment).toList();
    for (int k = 0; k < numbers.size(); k++) {
      long number = numbers.get(k);
      boolean last = k == numbers.size() - 1;
      Path path = segmentPath(dir, number);
      byte[] data = Files.readAllBytes(path);
      int end = intactEnd(data, number, handler);
      if (end < data.length) {
        if (!last) {
          throw new IOException("write-ahead log segment " + path + " is damaged at byte " + end
              + " although later segments exist; refusing to start with data missing");
        }
        LOG.warn(
            "write-ahead log segment " + path + ": cutting a torn tail of " + (data.length - end)
                + " bytes at byte " + end + " (a write that was never acknowledged)");
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
          channel.truncate(end);
          channel.force(true);
        }
      }
    }
    return all.isEmpty() ? fromSegment - 1 : Math.max(fromSegment - 1, all.get(all.size() - 1));
  }

  /** Hands over intact records and returns where the intact prefix of {@code data} ends. */
  private static int intactEnd(byte[] data, long segment, RecordHandler handler) throws IOException {
    if (data.length < MAGIC.length || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return 0;
    }
    ByteBuffer view = ByteBuffer.wrap(data);
    int position = MAGIC.length;
    CRC32C crc = new CRC32C();
    while (data.length - position >= RECORD_HEADER) {
      int length = view.getInt(position);
      int expectedCrc = view.getInt(position + 4);
      if (length <= 0 || length > MAX_RECORD_BYTES || length > data.length - position - RECORD_HEADER) {
        break;
      }
      crc.reset();
      crc.update(data, position + RECORD_HEADER, length);
      if ((int) crc.getValue() != expectedCrc) {
        break;
      }
      handler.accept(segment, data, position + RECORD_HEADER, length);
      position += RECORD_HEADER + length;
    }
    return position;
  }

  static Path segmentPath(Path dir, long number) {
    return dir.resolve(String.format("wal-%020d.log", number));
  }

  /** Makes file creations and deletions in {@code dir} durable. */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
