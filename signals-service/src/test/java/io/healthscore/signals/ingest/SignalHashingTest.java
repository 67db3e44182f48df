package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SignalHashingTest {
  /** The reference key 00 01 02 ... 0f of the SipHash paper's test vectors. */
  private static final SignalHashing REFERENCE = SignalHashing.keyed(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

  @Test
  void matchesTheSipHashReferenceVectors() {
    long[] scratch = new long[2];
    assertEquals(0x726fdb47dd0e0e31L, REFERENCE.hash64("", scratch), "64-bit, empty input");
    // One UTF-16 unit U+0100 is the two bytes 00 01.
    assertEquals(0x0d6c8009d9a94f5aL, REFERENCE.hash64("\u0100", scratch), "64-bit, input 00 01");
    long[] wide = new long[2];
    REFERENCE.hash128("", wide, 0);
    assertArrayEquals(new long[] {0xe6a825ba047f81a3L, 0x930255c71472f66dL}, wide, "128-bit, empty input");
  }

  @Test
  void dependsOnTheKey() {
    long[] a = new long[2];
    long[] b = new long[2];
    SignalHashing.keyed(1, 2).hash128("event-1", a, 0);
    SignalHashing.keyed(1, 3).hash128("event-1", b, 0);
    assertFalse(a[0] == b[0] && a[1] == b[1]);
    SignalHashing.keyed(1, 2).hash128("event-1", b, 0);
    assertArrayEquals(a, b, "same key, same hash: safe to persist");
    SignalHashing.keyed(1, 2).hash128("event-2", b, 0);
    assertNotEquals(a[0], b[0]);
  }

  @Test
  void legacyHashStaysWhatStoredSetsWereBuiltWith() {
    long[] h = new long[2];
    SignalHashing legacy = SignalHashing.legacyUnkeyed();
    assertFalse(legacy.isKeyed());
    legacy.hash128("event-1", h, 0);
    long[] again = new long[2];
    SignalHashing.legacyUnkeyed().hash128("event-1", again, 0);
    assertArrayEquals(h, again);
    assertTrue(SignalHashing.keyed(0, 0).isKeyed());
  }
}
