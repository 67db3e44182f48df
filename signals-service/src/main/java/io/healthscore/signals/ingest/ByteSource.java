package io.healthscore.signals.ingest;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Reads what {@link ByteSink} wrote; a read past the end means a malformed record. */
final class ByteSource {
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final byte[] bytes;
  private final int end;
  private int position;

  ByteSource(byte[] bytes, int offset, int length) {
    this.bytes = bytes;
    this.position = offset;
    this.end = offset + length;
  }

  int position() {
    return position;
  }

  boolean hasRemaining() {
    return position < end;
  }

  int getByte() throws IOException {
    need(1);
    return bytes[position++] & 0xFF;
  }

  long getLong() throws IOException {
    need(8);
    long v = (long) LONG.get(bytes, position);
    position += 8;
    return v;
  }

  double getDouble() throws IOException {
    return Double.longBitsToDouble(getLong());
  }

  long getVarLong() throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = getByte();
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IOException("malformed log record: varint too long");
  }

  int getVarInt() throws IOException {
    long v = getVarLong();
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new IOException("malformed log record: count out of range");
    }
    return (int) v;
  }

  String getString() throws IOException {
    int n = getVarInt();
    need(n);
    String s = new String(bytes, position, n, StandardCharsets.UTF_8);
    position += n;
    return s;
  }

  void skip(int n) throws IOException {
    need(n);
    position += n;
  }

  private void need(int n) throws IOException {
    if (n < 0 || end - position < n) {
      throw new IOException("malformed log record: truncated");
    }
  }
}
