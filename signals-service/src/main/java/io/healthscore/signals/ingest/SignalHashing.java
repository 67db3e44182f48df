package io.healthscore.signals.ingest;

/**
 * Stable, non-cryptographic hashes of identifiers. They are persisted (write-ahead log, event id
 * files, stored user sets), so they depend only on the UTF-16 code units of the string, never on the JVM.
 *
 * <p>Two 64-bit lanes are fed four characters at a time, each with its own multiplier and rotation,
 * then both lanes are cross-mixed and avalanched. Good enough spread for hash tables and for
 * telling ids apart with 111 usable bits; not meant to resist deliberately crafted collisions.
 */
final class SignalHashing {
  private static final long LANE_A_SEED = 0x3C6EF372FE94F82BL;
  private static final long LANE_B_SEED = 0xA54FF53A5F1D36F1L;
  private static final long LANE_A_MULTIPLIER = 0x9E3779B97F4A7C15L;
  private static final long LANE_B_MULTIPLIER = 0xC2B2AE3D27D4EB4FL;
  private static final long AVALANCHE_1 = 0xBF58476D1CE4E5B9L;
  private static final long AVALANCHE_2 = 0x94D049BB133111EBL;

  private SignalHashing() {}

  /** Writes the 128-bit hash of {@code s} into {@code out[at]} (high) and {@code out[at + 1]} (low). */
  static void hash128(String s, long[] out, int at) {
    int n = s.length();
    long a = LANE_A_SEED ^ n;
    long b = LANE_B_SEED + n;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      long block =
          s.charAt(i)
              | (long) s.charAt(i + 1) << 16
              | (long) s.charAt(i + 2) << 32
              | (long) s.charAt(i + 3) << 48;
      a = Long.rotateLeft((a ^ block) * LANE_A_MULTIPLIER, 29);
      b = Long.rotateLeft((b + block) * LANE_B_MULTIPLIER, 37) ^ a;
    }
    long tail = 0;
    for (int shift = 0; i < n; i++, shift += 16) {
      tail |= (long) s.charAt(i) << shift;
    }
    a = Long.rotateLeft((a ^ tail) * LANE_A_MULTIPLIER, 29);
    b = Long.rotateLeft((b + tail) * LANE_B_MULTIPLIER, 37) ^ a;
    out[at] = avalanche(a + Long.rotateLeft(b, 17));
    out[at + 1] = avalanche(b ^ Long.rotateLeft(a, 41));
  }

  /**
   * A 64-bit hash of {@code s}, never 0 (0 marks "no user" and empty hash-set slots); {@code
   * scratch} holds at least two longs and spares an allocation per call.
   */
  static long hash64(String s, long[] scratch) {
    hash128(s, scratch, 0);
    long h = scratch[0] ^ scratch[1];
    return h == 0 ? 1 : h;
  }

  private static long avalanche(long x) {
    x = (x ^ (x >>> 31)) * AVALANCHE_1;
    x = (x ^ (x >>> 29)) * AVALANCHE_2;
    return x ^ (x >>> 32);
  }
}
