package io.healthscore.signals.ingest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * A batch made ready for the log by the calling thread, so that the single log writer only decides
 * duplicates, copies bytes and syncs: id and user hashes computed, signals encoded, event ids looked
 * up in the id store.
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
  /** The batch's distinct account, metric and label strings, metrics shared engine-wide. */
  final String[] strings;
  /** Per signal, the index in {@code strings} of its account and of its metric. */
  final int[] accountRefs;
  final int[] metricRefs;
  /**
   * The metrics each account receives in this batch, worked out here on the caller's thread so the
   * single writer does not have to; exact when no signal turns out to be a duplicate.
   */
  final Map<String, Set<String>> metricsByAccount;
  /** Signals refused by a limit ({@link IngestLimits}): not logged, not applied. */
  final boolean[] refused;
  final boolean atomic;
  final CompletableFuture<IngestResult> done = new CompletableFuture<>();
  /** The id store's key of each signal's event id ({@link EventIdStore#key}), set by its lookup. */
  List<byte[]> idKeys;
  /** Per signal, whether the id store held its event id at the lookup ({@link DedupWindow#lookUp}). */
  boolean[] inStore;
  /** The last logged group of ids the store held when the lookup began. */
  long lookedUpThrough;
  /**
   * Whether the caller has given up on the batch; the writer asks just before logging it. Set
   * before the batch is queued.
   */
  BooleanSupplier callerGone = () -> false;
  int duplicates;
  int refusedCount;
  /** Why the signals in {@code refused} were refused; set by the writer. */
  List<IngestResult.Refusal> refusals = List.of();

  private PreparedBatch(
      List<SignalRecord> signals, long[] idHashes, long[] userHashes, ByteSink body, String[] strings,
      int[] accountRefs, int[] metricRefs, Map<String, Set<String>> metricsByAccount, boolean atomic) {
    this.signals = signals;
    this.atomic = atomic;
    this.refused = new boolean[signals.size()];
    this.idHashes = idHashes;
    this.userHashes = userHashes;
    this.duplicate = new boolean[signals.size()];
    this.body = body;
    this.strings = strings;
    this.accountRefs = accountRefs;
    this.metricRefs = metricRefs;
    this.metricsByAccount = metricsByAccount;
  }

  /**
   * Hashes (with the store's {@code hashing}) and encodes {@code signals}; {@code metricNames} gives the shared instance of each
   * metric name, so that the writer's map lookups compare metric names by identity.
   */
  static PreparedBatch prepare(
      List<SignalRecord> signals, UnaryOperator<String> metricNames, SignalHashing hashing) {
    return prepare(signals, metricNames, hashing, false);
  }

  /** As {@link #prepare(List, UnaryOperator, SignalHashing)}; an {@code atomic} batch is stored whole or not at all. */
  static PreparedBatch prepare(
      List<SignalRecord> signals, UnaryOperator<String> metricNames, SignalHashing hashing, boolean atomic) {
    int n = signals.size();
    // Sized for a distinct account per signal, so that it does not grow while filling.
    HashMap<String, Integer> dictionary = new HashMap<>(2 * n + 16);
    List<String> distinct = new ArrayList<>();
    int[] accountRefs = new int[n];
    int[] metricRefs = new int[n];
    long[] scratch = new long[2];
    ByteSink strings = new ByteSink(256);
    ByteSink records = new ByteSink(n * 48);
    long[] idHashes = new long[2 * n];
    long[] userHashes = new long[n];
    for (int i = 0; i < n; i++) {
      SignalRecord s = signals.get(i);
      hashing.hash128(s.eventId(), idHashes, 2 * i);
      boolean hasUser = !s.userId().isEmpty();
      long userHash = hasUser ? hashing.hash64(s.userId(), scratch) : 0;
      userHashes[i] = userHash;
      records.putLong(idHashes[2 * i]);
      records.putLong(idHashes[2 * i + 1]);
      accountRefs[i] = ref(dictionary, distinct, strings, s.accountId(), UnaryOperator.identity());
      metricRefs[i] = ref(dictionary, distinct, strings, s.metric(), metricNames);
      records.putVarLong(accountRefs[i]);
      records.putVarLong(metricRefs[i]);
      records.putByte((s.isLabel() ? FLAG_LABEL : 0) | (hasUser ? FLAG_USER : 0));
      if (hasUser) {
        records.putLong(userHash);
      }
      if (s.isLabel()) {
        records.putVarLong(ref(dictionary, distinct, strings, s.label(), UnaryOperator.identity()));
      } else {
        records.putDouble(s.number());
      }
      records.putLong(s.occurredAtMillis());
    }
    String[] distinctStrings = distinct.toArray(new String[0]);
    ByteSink body = new ByteSink(16 + strings.size() + records.size());
    body.putVarLong(distinct.size());
    body.put(strings.array(), 0, strings.size());
    body.put(records.array(), 0, records.size());
    return new PreparedBatch(
        signals, idHashes, userHashes, body, distinctStrings, accountRefs, metricRefs,
        metricsByAccount(distinctStrings, accountRefs, metricRefs, null), atomic);
  }

  private static int ref(
      HashMap<String, Integer> dictionary, List<String> distinct, ByteSink strings, String s,
      UnaryOperator<String> shared) {
    Integer known = dictionary.get(s);
    if (known != null) {
      return known;
    }
    int index = distinct.size();
    dictionary.put(s, index);
    distinct.add(shared.apply(s));
    strings.putString(s);
    return index;
  }

  /**
   * The metrics each account received, from the signals not flagged in {@code skip} (none when
   * null), keyed by account id; the sets are not to be modified.
   */
  static Map<String, Set<String>> metricsByAccount(
      String[] strings, int[] accountRefs, int[] metricRefs, boolean[] skip) {
    Map<String, Set<String>> result = new HashMap<>(2 * accountRefs.length + 16);
    List<Set<String>> byRef = new ArrayList<>(Collections.nCopies(strings.length, null));
    for (int i = 0; i < accountRefs.length; i++) {
      if (skip != null && skip[i]) {
        continue;
      }
      int account = accountRefs[i];
      String metric = strings[metricRefs[i]];
      Set<String> metrics = byRef.get(account);
      if (metrics == null) {
        // Most accounts get one metric per batch: a one-element set until a second shows up.
        metrics = Set.of(metric);
      } else if (metrics.contains(metric)) {
        continue;
      } else {
        if (!(metrics instanceof LinkedHashSet)) {
          metrics = new LinkedHashSet<>(metrics); // in signal order: limits refuse the later metrics
        }
        metrics.add(metric);
      }
      byRef.set(account, metrics);
      result.put(strings[account], metrics);
    }
    return result;
  }

  /** The metrics each account received from the signals neither duplicates nor refused. */
  Map<String, Set<String>> acceptedMetricsByAccount() {
    if (duplicates == 0 && refusedCount == 0) {
      return metricsByAccount;
    }
    boolean[] dropped = new boolean[size()];
    for (int i = 0; i < dropped.length; i++) {
      dropped[i] = dropped(i);
    }
    return metricsByAccount(strings, accountRefs, metricRefs, dropped);
  }

  /** Whether signal {@code i} is not stored: a duplicate or refused by a limit. */
  boolean dropped(int i) {
    return duplicate[i] || refused[i];
  }

  int accepted() {
    return size() - duplicates - refusedCount;
  }

  int size() {
    return signals.size();
  }
}
