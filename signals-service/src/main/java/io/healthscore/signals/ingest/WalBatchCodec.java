package io.healthscore.signals.ingest;

import java.io.IOException;

/**
 * The log record of one batch: {@code byte version, varint ingestionDay, varint n, ceil(n/8) bytes
 * of dropped flags (bit set: a duplicate or refused by a limit), body} where the body is {@link PreparedBatch}'s
 * encoding. Duplicates stay in the body (they are rare) so the body is copied as prepared.
 */
final class WalBatchCodec {
  private static final int VERSION = 1;

  /** Receives each logged signal that was not a duplicate. */
  interface SignalVisitor {
    void signal(
        long ingestionDay,
        long idHigh,
        long idLow,
        String accountId,
        String metric,
        boolean isLabel,
        double number,
        String label,
        long occurredAtMillis,
        long userHash);
  }

  private WalBatchCodec() {}

  /** Appends the framed record of {@code batch}, whose duplicate flags are decided, to {@code out}. */
  static void append(ByteSink out, PreparedBatch batch, long ingestionDay) {
    int start = out.skip(WriteAheadLog.RECORD_HEADER);
    int n = batch.size();
    out.putByte(VERSION);
    out.putVarLong(ingestionDay);
    out.putVarLong(n);
    for (int from = 0; from < n; from += 8) {
      int bits = 0;
      for (int i = from; i < Math.min(n, from + 8); i++) {
        if (batch.dropped(i)) {
          bits |= 1 << (i - from);
        }
      }
      out.putByte(bits);
    }
    out.put(batch.body.array(), 0, batch.body.size());
    WriteAheadLog.frame(out.array(), start, out.size());
  }

  static void decode(byte[] data, int offset, int length, SignalVisitor visitor) throws IOException {
    ByteSource in = new ByteSource(data, offset, length);
    int version = in.getByte();
    if (version != VERSION) {
      throw new IOException("log record version " + version + " is not supported");
    }
    long ingestionDay = in.getVarLong();
    int n = in.getVarInt();
    byte[] flags = new byte[(n + 7) / 8];
    for (int i = 0; i < flags.length; i++) {
      flags[i] = (byte) in.getByte();
    }
    int dictionarySize = in.getVarInt();
    if (dictionarySize > length) {
      throw new IOException("malformed log record: dictionary larger than the record");
    }
    String[] dictionary = new String[dictionarySize];
    for (int i = 0; i < dictionarySize; i++) {
      dictionary[i] = in.getString();
    }
    for (int i = 0; i < n; i++) {
      long idHigh = in.getLong();
      long idLow = in.getLong();
      String account = entry(dictionary, in.getVarInt());
      String metric = entry(dictionary, in.getVarInt());
      int signalFlags = in.getByte();
      long userHash = (signalFlags & PreparedBatch.FLAG_USER) != 0 ? in.getLong() : 0;
      boolean isLabel = (signalFlags & PreparedBatch.FLAG_LABEL) != 0;
      double number = 0;
      String label = null;
      if (isLabel) {
        label = entry(dictionary, in.getVarInt());
      } else {
        number = in.getDouble();
      }
      long occurredAt = in.getLong();
      if ((flags[i >>> 3] & (1 << (i & 7))) == 0) {
        visitor.signal(
            ingestionDay, idHigh, idLow, account, metric, isLabel, number, label, occurredAt, userHash);
      }
    }
    if (in.hasRemaining()) {
      throw new IOException("malformed log record: trailing bytes");
    }
  }

  private static String entry(String[] dictionary, int index) throws IOException {
    if (index >= dictionary.length) {
      throw new IOException("malformed log record: string " + index + " not in the dictionary");
    }
    return dictionary[index];
  }
}
