package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventIdStoreTest {
  private static final long TODAY = 20_000;
  private static final long MEMORY = 16L << 20;
  @TempDir Path dir;

  private static List<byte[]> keys(String prefix, int n) {
    SignalHashing hashing = SignalHashing.keyed(5, 6);
    long[] h = new long[2];
    List<byte[]> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      hashing.hash128(prefix + i, h, 0);
      keys.add(EventIdStore.key(h[0], h[1]));
    }
    return keys;
  }

  private static int count(boolean[] flags) {
    int n = 0;
    for (boolean f : flags) {
      n += f ? 1 : 0;
    }
    return n;
  }

  @Test
  void remembersIdsOfTheWindowsDaysAcrossReopen() throws IOException {
    List<byte[]> monday = keys("mon-", 1_000);
    List<byte[]> tuesday = keys("tue-", 1_000);
    try (EventIdStore store = EventIdStore.open(dir, MEMORY)) {
      store.add(Map.of(TODAY - 1, monday));
      store.add(Map.of(TODAY, tuesday));
      store.sync();
    }
    try (EventIdStore store = EventIdStore.open(dir, MEMORY)) {
      assertEquals(List.of(TODAY - 1, TODAY), store.days());
      assertEquals(1_000, count(store.seen(monday, TODAY, 7)));
      assertEquals(1_000, count(store.seen(tuesday, TODAY, 7)));
      assertEquals(0, count(store.seen(keys("new-", 1_000), TODAY, 7)));
      assertEquals(0, count(store.seen(monday, TODAY, 0)), "a window of today only");
    }
  }

  @Test
  void tellsEachKeyOfAMixedLookupApart() throws IOException {
    try (EventIdStore store = EventIdStore.open(dir, MEMORY)) {
      List<byte[]> known = keys("k-", 3);
      store.add(Map.of(TODAY, List.of(known.get(1))));
      assertArrayEquals(new boolean[] {false, true, false}, store.seen(known, TODAY, 7));
    }
  }

  @Test
  void expiringDropsWholeDaysAndTheirFiles() throws IOException {
    try (EventIdStore store = EventIdStore.open(dir, MEMORY)) {
      List<byte[]> old = keys("old-", 50_000);
      List<byte[]> recent = keys("recent-", 10);
      store.add(Map.of(TODAY - 8, old, TODAY - 7, recent));
      store.sync();
      store.expire(TODAY, 7);
      assertEquals(List.of(TODAY - 7), store.days());
      assertEquals(0, count(store.seen(old, TODAY - 7, 7)), "dropped, not just out of the lookup");
      assertEquals(10, count(store.seen(recent, TODAY, 7)));
    }
    try (EventIdStore store = EventIdStore.open(dir, MEMORY)) {
      assertEquals(List.of(TODAY - 7), store.days(), "the drop is durable");
    }
  }

  @Test
  void keepsTheIdsSyncedBeforeACrash() throws IOException {
    List<byte[]> synced = keys("synced-", 5_000);
    Path copy = dir.resolve("crashed");
    try (EventIdStore store = EventIdStore.open(dir.resolve("live"), MEMORY)) {
      store.add(Map.of(TODAY, synced));
      store.sync();
      // What kill -9 leaves: the files as they are now, from a store that never closed.
      copyTree(dir.resolve("live"), copy);
    }
    try (EventIdStore store = EventIdStore.open(copy, MEMORY)) {
      assertEquals(5_000, count(store.seen(synced, TODAY, 7)));
      assertTrue(store.estimatedIds() > 0);
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Files.createDirectories(to.resolve(from.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (!file.getFileName().toString().equals("LOCK")) {
          try {
            Files.copy(file, to.resolve(from.relativize(file).toString()));
          } catch (NoSuchFileException vanished) {
            // see visitFileFailed
          }
        }
        return FileVisitResult.CONTINUE;
      }

      /** A temporary file RocksDB renamed or removed while the tree was read is not in the crash image. */
      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }
    });
  }
}
