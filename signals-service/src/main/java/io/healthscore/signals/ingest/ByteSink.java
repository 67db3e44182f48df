package io.healthscore.signals.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable big-endian byte buffer for encoding log records without per-value allocation. */
final class ByteSink {
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private byte[] bytes;
  private int size;

  ByteSink(int initialCapacity) {
    bytes = new byte[Math.max(16, initialCapacity)];
  }

  byte[] array() {
    return bytes;
  }

  int size() {
    return size;
  }

  void clear() {
    size = 0;
  }

  /** Leaves {@code n} bytes to be filled in later and returns where they start. */
  int skip(int n) {
    ensure(n);
    int at = size;
    size += n;
    return at;
  }

  void putByte(int b) {
    ensure(1);
    bytes[size++] = (byte) b;
  }

  void putLong(long v) {
    ensure(8);
    LONG.set(bytes, size, v);
    size += 8;
  }

  void putDouble(double v) {
    putLong(Double.doubleToRawLongBits(v));
  }

  void putVarLong(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      bytes[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    bytes[size++] = (byte) v;
  }

  /** Length-prefixed UTF-8, with a copy loop for the common all-ASCII case. */
  void putString(String s) {
    int n = s.length();
    ensure(5 + n);
    int lengthAt = size;
    boolean ascii = n < 128;
    if (ascii) {
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        bytes[lengthAt + 1 + i] = (byte) c;
      }
    }
    if (ascii) {
      bytes[lengthAt] = (byte) n;
      size += 1 + n;
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    putVarLong(utf8.length);
    put(utf8, 0, utf8.length);
  }

  void put(byte[] source, int offset, int length) {
    ensure(length);
    System.arraycopy(source, offset, bytes, size, length);
    size += length;
  }

  private void ensure(int more) {
    if (bytes.length - size < more) {
      long wanted = Math.max((long) size + more, bytes.length * 2L);
      if (wanted > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("record too large: " + wanted + " bytes");
      }
      bytes = Arrays.copyOf(bytes, (int) wanted);
    }
  }
}
