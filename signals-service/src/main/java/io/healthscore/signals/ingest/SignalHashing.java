package io.healthscore.signals.ingest;

/**
 * Hashes of event and user ids. They are persisted (write-ahead log, event id files, stored user
 * sets), so they depend only on the string's UTF-16 code units and on the store's key, never on the
 * JVM.
 *
 * <p>A store created by this version hashes with SipHash-2-4 under a random 128-bit key kept with
 * the store (table ingest_hash_key): without the key nobody can craft ids that collide in the
 * linear-probing tables, so ingest cannot be made quadratic by hash flooding. The input is the
 * string's UTF-16LE bytes, four characters per 64-bit word. Stores created earlier keep the fixed,
 * unkeyed hash their stored sets were built with ({@link #legacyUnkeyed()}). See {@link RollupStore#hashing}.
 */
final class SignalHashing {
  private static final long LANE_A_SEED = 0x3C6EF372FE94F82BL;
  private static final long LANE_B_SEED = 0xA54FF53A5F1D36F1L;
  private static final long LANE_A_MULTIPLIER = 0x9E3779B97F4A7C15L;
  private static final long LANE_B_MULTIPLIER = 0xC2B2AE3D27D4EB4FL;
  private static final long AVALANCHE_1 = 0xBF58476D1CE4E5B9L;
  private static final long AVALANCHE_2 = 0x94D049BB133111EBL;

  private final boolean keyed;
  private final long k0;
  private final long k1;

  private SignalHashing(boolean keyed, long k0, long k1) {
    this.keyed = keyed;
    this.k0 = k0;
    this.k1 = k1;
  }

  /** SipHash-2-4 under the key {@code (k0, k1)} (the key's two little-endian 64-bit halves). */
  static SignalHashing keyed(long k0, long k1) {
    return new SignalHashing(true, k0, k1);
  }

  /** The fixed hash of stores created before hashes were keyed. */
  static SignalHashing legacyUnkeyed() {
    return new SignalHashing(false, 0, 0);
  }

  boolean isKeyed() {
    return keyed;
  }

  /** Writes the 128-bit hash of {@code s} into {@code out[at]} (high) and {@code out[at + 1]} (low). */
  void hash128(String s, long[] out, int at) {
    if (keyed) {
      sipHash(s, out, at, true);
    } else {
      legacyHash128(s, out, at);
    }
  }

  /**
   * A 64-bit hash of {@code s}, never 0 (0 marks "no user" and empty hash-set slots); {@code
   * scratch} holds at least two longs and spares an allocation per call.
   */
  long hash64(String s, long[] scratch) {
    long h;
    if (keyed) {
      sipHash(s, scratch, 0, false);
      h = scratch[0];
    } else {
      legacyHash128(s, scratch, 0);
      h = scratch[0] ^ scratch[1];
    }
    return h == 0 ? 1 : h;
  }

  /** SipHash-2-4 of the UTF-16LE bytes of {@code s}: 128-bit output when {@code wide}, else 64 (in out[at]). */
  private void sipHash(String s, long[] out, int at, boolean wide) {
    SipState v = new SipState(k0, k1, wide);
    int n = s.length();
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      v.compress(
          s.charAt(i)
              | (long) s.charAt(i + 1) << 16
              | (long) s.charAt(i + 2) << 32
              | (long) s.charAt(i + 3) << 48);
    }
    long last = ((long) (2 * n) & 0xff) << 56;
    for (int shift = 0; i < n; i++, shift += 16) {
      last |= (long) s.charAt(i) << shift;
    }
    v.compress(last);
    v.v2 ^= wide ? 0xee : 0xff;
    out[at] = v.finish();
    if (wide) {
      v.v1 ^= 0xdd;
      out[at + 1] = v.finish();
    }
  }

  /** SipHash's four words of state (a short-lived object the JIT keeps in registers). */
  private static final class SipState {
    long v0;
    long v1;
    long v2;
    long v3;

    SipState(long k0, long k1, boolean wide) {
      v0 = k0 ^ 0x736f6d6570736575L;
      v1 = k1 ^ 0x646f72616e646f6dL ^ (wide ? 0xee : 0);
      v2 = k0 ^ 0x6c7967656e657261L;
      v3 = k1 ^ 0x7465646279746573L;
    }

    void compress(long m) {
      v3 ^= m;
      rounds(2);
      v0 ^= m;
    }

    long finish() {
      rounds(4);
      return v0 ^ v1 ^ v2 ^ v3;
    }

    private void rounds(int n) {
      for (int r = 0; r < n; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13) ^ v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16) ^ v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21) ^ v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17) ^ v2;
        v2 = Long.rotateLeft(v2, 32);
      }
    }
  }

  /**
   * The fixed hash: two 64-bit lanes fed four characters at a time, each with its own multiplier
   * and rotation, then cross-mixed and avalanched.
   */
  private static void legacyHash128(String s, long[] out, int at) {
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

  private static long avalanche(long x) {
    x = (x ^ (x >>> 31)) * AVALANCHE_1;
    x = (x ^ (x >>> 29)) * AVALANCHE_2;
    return x ^ (x >>> 32);
  }
}
