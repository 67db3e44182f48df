package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventIdFilesTest {
  private static final long TODAY = 20_000;
  @TempDir Path dir;

  private static long[] entries(String prefix, int n) {
    SignalHashing hashing = SignalHashing.keyed(3, 4);
    long[] entries = new long[2 * n];
    long[] h = new long[2];
    for (int i = 0; i < n; i++) {
      hashing.hash128(prefix + i, h, 0);
      entries[2 * i] = EventIdSet.high(h[0]);
      entries[2 * i + 1] = EventIdSet.low(h[1], TODAY);
    }
    return entries;
  }

  private static boolean holdsAll(EventIdSet set, long[] entries) {
    for (int i = 0; i < entries.length; i += 2) {
      if (!set.contains(entries[i], entries[i + 1])) {
        return false;
      }
    }
    return true;
  }

  @Test
  void keepsTheIntactChunksAfterATornOne() throws IOException {
    EventIdFiles files = new EventIdFiles(dir);
    long[] before = entries("before-", 500);
    long[] after = entries("after-", 700);
    files.append(before, 500, TODAY);
    Path file = dir.resolve("ids-" + TODAY + ".bin");
    // What a failed append that could not be undone leaves: a header promising 3 ids, half of one.
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.APPEND)) {
      channel.write(ByteBuffer.allocate(16).putInt(3).putInt(12345).putLong(42).flip());
    }
    files.append(after, 700, TODAY);
    long sizeWithDamage = Files.size(file);

    EventIdSet loaded = new EventIdSet();
    files.load(loaded, TODAY, 7);
    assertEquals(1_200, loaded.size());
    assertTrue(holdsAll(loaded, before));
    assertTrue(holdsAll(loaded, after), "the chunk after the damage was dropped");
    assertEquals(sizeWithDamage, Files.size(file), "nothing intact is cut off");
  }

  @Test
  void cutsATornTailOff() throws IOException {
    EventIdFiles files = new EventIdFiles(dir);
    long[] ids = entries("id-", 100);
    files.append(ids, 100, TODAY);
    Path file = dir.resolve("ids-" + TODAY + ".bin");
    long intact = Files.size(file);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.APPEND)) {
      channel.write(ByteBuffer.allocate(12).putInt(50).putInt(7).putInt(9).flip());
    }
    EventIdSet loaded = new EventIdSet();
    files.load(loaded, TODAY, 7);
    assertEquals(100, loaded.size());
    assertEquals(intact, Files.size(file));
  }
}
