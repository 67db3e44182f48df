package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LegacyEventIdFilesTest {
  private static final long TODAY = 20_000;
  @TempDir Path dir;

  /** The entries of the former format: high word with bit 0 set, low 48 bits with the day above. */
  static long[] entries(SignalHashing hashing, String prefix, int n, long day) {
    long[] entries = new long[2 * n];
    long[] h = new long[2];
    for (int i = 0; i < n; i++) {
      hashing.hash128(prefix + i, h, 0);
      entries[2 * i] = h[0] | 1L;
      entries[2 * i + 1] = (h[1] & EventIdStore.LOW_BITS) | ((day & 0xFFFF) << 48);
    }
    return entries;
  }

  /** Appends the entries to {@code ids-<day>.bin} as one chunk, as the former writer did. */
  static void appendChunk(Path dir, long day, long[] entries) throws IOException {
    int n = entries.length / 2;
    ByteBuffer chunk = ByteBuffer.allocate(8 + n * 16);
    chunk.position(8);
    for (long e : entries) {
      chunk.putLong(e);
    }
    CRC32C crc = new CRC32C();
    crc.update(chunk.array(), 8, n * 16);
    chunk.putInt(0, n).putInt(4, (int) crc.getValue()).flip();
    try (FileChannel channel =
        FileChannel.open(dir.resolve("ids-" + day + ".bin"), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      channel.write(chunk);
    }
  }

  private static Set<String> keysOf(long[] entries) {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < entries.length; i += 2) {
      keys.add(entries[i] + "/" + (entries[i + 1] & EventIdStore.LOW_BITS));
    }
    return keys;
  }

  private Set<String> fold(long today, int retentionDays) throws IOException {
    Set<String> read = new HashSet<>();
    new LegacyEventIdFiles(dir)
        .foldInto((high, low, day) -> read.add(high + "/" + (low & EventIdStore.LOW_BITS)), () -> {}, today, retentionDays);
    return read;
  }

  @Test
  void keepsTheIntactChunksAfterATornOne() throws IOException {
    SignalHashing hashing = SignalHashing.keyed(3, 4);
    long[] before = entries(hashing, "before-", 500, TODAY);
    long[] after = entries(hashing, "after-", 700, TODAY);
    appendChunk(dir, TODAY, before);
    // What a failed append that could not be undone leaves: a header promising 3 ids, half of one.
    try (FileChannel channel = FileChannel.open(dir.resolve("ids-" + TODAY + ".bin"), StandardOpenOption.APPEND)) {
      channel.write(ByteBuffer.allocate(16).putInt(3).putInt(12345).putLong(42).flip());
    }
    appendChunk(dir, TODAY, after);

    Set<String> read = fold(TODAY, 7);
    Set<String> expected = keysOf(before);
    expected.addAll(keysOf(after));
    assertEquals(expected, read, "the chunk after the damage is read too");
  }

  @Test
  void ignoresATornTailAndDeletesTheFilesOnceRead() throws IOException {
    long[] ids = entries(SignalHashing.keyed(3, 4), "id-", 100, TODAY);
    appendChunk(dir, TODAY, ids);
    try (FileChannel channel = FileChannel.open(dir.resolve("ids-" + TODAY + ".bin"), StandardOpenOption.APPEND)) {
      channel.write(ByteBuffer.allocate(12).putInt(50).putInt(7).putInt(9).flip());
    }
    assertEquals(keysOf(ids), fold(TODAY, 7));
    assertFalse(Files.exists(dir.resolve("ids-" + TODAY + ".bin")));
  }

  @Test
  void deletesDaysPastTheWindowUnreadAndKeepsFilesWhenTheFoldFails() throws IOException {
    SignalHashing hashing = SignalHashing.keyed(3, 4);
    appendChunk(dir, TODAY - 8, entries(hashing, "old-", 10, TODAY - 8));
    long[] recent = entries(hashing, "recent-", 10, TODAY - 7);
    appendChunk(dir, TODAY - 7, recent);
    try {
      new LegacyEventIdFiles(dir)
          .foldInto((high, low, day) -> {}, () -> { throw new IOException("disk full"); }, TODAY, 7);
    } catch (IOException expected) {
      // the store could not take them: the files stay for the next start
    }
    assertTrue(Files.exists(dir.resolve("ids-" + (TODAY - 7) + ".bin")));
    assertEquals(keysOf(recent), fold(TODAY, 7), "only the window's days are read");
    try (var left = Files.list(dir)) {
      assertEquals(0, left.count());
    }
  }
}
