package io.healthscore.signals.ingest;

import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A batch made ready for the log by the calling thread, so that the single log writer only decides
 * duplicates, copies bytes and syncs: id and user hashes computed, signals encoded.
 *
 * <p>Encoded body: {@code varint n, n strings} (a dictionary of the batch's accounts, metrics and
 * labels), then per signal {@code long idHigh, long idLow, varint account, varint metric, byte flags
 * (1 label, 2 has user), [long userHash], double number | varint label, long occurredAtMillis}. The
 * source is not logged: nothing rebuilt from the log uses it.
 */
final class PreparedBatch {
  static final int FLAG_LABEL = 1;
  static final int FLAG_USER = 2;

  final List<SignalRecord> signals;
  /** Two longs per signal: the 128-bit hash of its event id. */
  final long[] idHashes;
  /** 64-bit hash of each signal's user id, 0 when it has none. */
  final long[] userHashes;
  final ByteSink body;
  final boolean[] duplicate;
  final CompletableFuture<IngestResult> done = new CompletableFuture<>();
  int duplicates;

  private PreparedBatch(List<SignalRecord> signals) {
    this.signals = signals;
    int n = signals.size();
    this.idHashes = new long[2 * n];
    this.userHashes = new long[n];
    this.duplicate = new boolean[n];
    this.body = new ByteSink(64 + n * 48);
  }

  static PreparedBatch prepare(List<SignalRecord> signals) {
    PreparedBatch batch = new PreparedBatch(signals);
    int n = signals.size();
    long[] scratch = new long[2];
    HashMap<String, Integer> dictionary = new HashMap<>();
    ByteSink strings = new ByteSink(256);
    ByteSink records = new ByteSink(n * 48);
    for (int i = 0; i < n; i++) {
      SignalRecord s = signals.get(i);
      SignalHashing.hash128(s.eventId(), batch.idHashes, 2 * i);
      boolean hasUser = !s.userId().isEmpty();
      long userHash = hasUser ? SignalHashing.hash64(s.userId(), scratch) : 0;
      batch.userHashes[i] = userHash;
      records.putLong(batch.idHashes[2 * i]);
      records.putLong(batch.idHashes[2 * i + 1]);
      records.putVarLong(ref(dictionary, strings, s.accountId()));
      records.putVarLong(ref(dictionary, strings, s.metric()));
      records.putByte((s.isLabel() ? FLAG_LABEL : 0) | (hasUser ? FLAG_USER : 0));
      if (hasUser) {
        records.putLong(userHash);
      }
      if (s.isLabel()) {
        records.putVarLong(ref(dictionary, strings, s.label()));
      } else {
        records.putDouble(s.number());
      }
      records.putLong(s.occurredAtMillis());
    }
    batch.body.putVarLong(dictionary.size());
    batch.body.put(strings.array(), 0, strings.size());
    batch.body.put(records.array(), 0, records.size());
    return batch;
  }

  private static int ref(HashMap<String, Integer> dictionary, ByteSink strings, String s) {
    Integer known = dictionary.get(s);
    if (known != null) {
      return known;
    }
    int index = dictionary.size();
    dictionary.put(s, index);
    strings.putString(s);
    return index;
  }

  int size() {
    return signals.size();
  }
}
