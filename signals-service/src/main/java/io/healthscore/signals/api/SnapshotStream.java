package io.healthscore.signals.api;

import com.google.protobuf.CodedOutputStream;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.concurrent.SerialRunner;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.ResourceExhaustedException;
import io.healthscore.signals.features.FeatureHorizon;
import io.healthscore.signals.features.FeatureSelection;
import io.healthscore.signals.features.Features;
import io.healthscore.v1.FeatureSnapshot;
import io.healthscore.v1.SnapshotKey;
import io.healthscore.v1.StreamFeatureSnapshotsResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One StreamFeatureSnapshots call. Keys are read a window at a time (each account of a window once
 * for all its moments), packed in request order into responses that stay within the message limit,
 * with feature and label names sent once per stream as dictionary entries. A window is read only
 * while the client's transport is ready, so a slow reader makes the server wait instead of
 * buffering the result; cancellation (and the deadline, which cancels) stops it between accounts.
 *
 * <p>All work happens in {@link #pump}, which a {@link SerialRunner} keeps to one thread at a time;
 * {@link #wake} (start, transport ready, cancel) makes it run again.
 */
final class SnapshotStream {
  /** Largest response aimed for: big enough to amortise framing, small enough to pipeline. */
  static final int TARGET_RESPONSE_BYTES = 1 << 20;
  private static final int FIRST_WINDOW = 64;
  private static final int MIN_WINDOW = 16;
  private static final int MAX_WINDOW = 4096;
  /** Room for the tag and length of a packed field of missing indexes. */
  private static final int PACKED_FIELD_OVERHEAD = 16;

  private final ServerCallStreamObserver<StreamFeatureSnapshotsResponse> observer;
  private final List<SnapshotKey> keys;
  private final List<FeatureHorizon> horizons;
  private final FeatureSelection selection;
  private final SignalServiceImpl.Dependencies deps;
  private final int responseBytes;
  private final SerialRunner runner;
  private final Map<String, Integer> featureIds = new HashMap<>();
  private final Map<String, Integer> labelIds = new HashMap<>();
  /** Read and not yet sent, in request order; features null for a missing pair. */
  private final ArrayDeque<Read> pending = new ArrayDeque<>();
  private int nextKey;
  private int window = FIRST_WINDOW;
  private volatile boolean cancelled;
  private boolean done;

  private record Read(int keyIndex, Features features) {}

  private SnapshotStream(
      StreamObserver<StreamFeatureSnapshotsResponse> out,
      List<SnapshotKey> keys,
      List<FeatureHorizon> horizons,
      FeatureSelection selection,
      SignalServiceImpl.Dependencies deps) {
    this.observer = (ServerCallStreamObserver<StreamFeatureSnapshotsResponse>) out;
    this.keys = keys;
    this.horizons = horizons;
    this.selection = selection;
    this.deps = deps;
    this.responseBytes = Math.min(TARGET_RESPONSE_BYTES, deps.maxMessageBytes() - PACKED_FIELD_OVERHEAD);
    this.runner = new SerialRunner(deps.readWorkers(), this::pumpOrFail);
  }

  /**
   * Starts streaming; call from the service method, before it returns. {@code horizons} holds each
   * key's point-in-time horizon, null where the key has no as_of (live, taken when it is read).
   */
  static void start(
      StreamObserver<StreamFeatureSnapshotsResponse> out,
      List<SnapshotKey> keys,
      List<FeatureHorizon> horizons,
      FeatureSelection selection,
      SignalServiceImpl.Dependencies deps) {
    SnapshotStream stream = new SnapshotStream(out, keys, horizons, selection, deps);
    stream.observer.setOnCancelHandler(
        () -> {
          stream.cancelled = true;
          stream.wake();
        });
    stream.observer.setOnReadyHandler(stream::wake);
    stream.wake();
  }

  private void wake() {
    if (!runner.request()) {
      cancelled = true; // shutting down
    }
  }

  private void pumpOrFail() {
    try {
      pump();
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void pump() {
    while (!done) {
      if (cancelled) {
        done = true;
        return;
      }
      if (!observer.isReady()) {
        return;
      }
      if (pending.isEmpty()) {
        if (nextKey == keys.size()) {
          done = true;
          observer.onCompleted();
          return;
        }
        readWindow();
        continue; // look at cancel and readiness again before sending
      }
      observer.onNext(pack());
    }
  }

  private void readWindow() {
    int end = Math.min(keys.size(), nextKey + window);
    List<String> accountIds = new ArrayList<>(end - nextKey);
    List<FeatureHorizon> windowHorizons = new ArrayList<>(end - nextKey);
    for (int i = nextKey; i < end; i++) {
      accountIds.add(keys.get(i).getAccountId());
      FeatureHorizon h = horizons.get(i);
      windowHorizons.add(h == null ? FeatureHorizon.live(deps.clock().instant()) : h);
    }
    List<Features> read = deps.features().snapshots(accountIds, windowHorizons, selection, () -> cancelled);
    if (cancelled) {
      return;
    }
    for (int i = 0; i < read.size(); i++) {
      pending.add(new Read(nextKey + i, read.get(i)));
    }
    deps.readMetrics().snapshotsRead(read.size());
    nextKey = end;
  }

  /** Takes pending reads, in order, into one response within the size budget. */
  private StreamFeatureSnapshotsResponse pack() {
    StreamFeatureSnapshotsResponse.Builder response = StreamFeatureSnapshotsResponse.newBuilder();
    long size = PACKED_FIELD_OVERHEAD;
    int items = 0;
    while (!pending.isEmpty()) {
      Read read = pending.peek();
      if (read.features() == null) {
        int cost = CodedOutputStream.computeInt32SizeNoTag(read.keyIndex());
        if (size + cost > responseBytes && items > 0) {
          break;
        }
        response.addMissingKeyIndexes(read.keyIndex());
        size += cost;
      } else {
        List<String> newFeatures = new ArrayList<>();
        List<String> newLabels = new ArrayList<>();
        FeatureSnapshot snapshot = encode(read, newFeatures, newLabels);
        long cost = CodedOutputStream.computeMessageSize(3, snapshot) + namesSize(newFeatures) + namesSize(newLabels);
        if (size + cost > responseBytes) {
          newFeatures.forEach(featureIds::remove);
          newLabels.forEach(labelIds::remove);
          if (items == 0) {
            throw new ResourceExhaustedException(
                "the features of keys[" + read.keyIndex() + "] alone exceed the message limit of "
                    + responseBytes + " bytes; ask for fewer with a projection");
          }
          break;
        }
        response.addAllNewFeatureNames(newFeatures).addAllNewLabelNames(newLabels).addSnapshots(snapshot);
        size += cost;
      }
      pending.poll();
      items++;
    }
    // Aim the next window at one full response, from this one's bytes per key.
    window = (int) Math.max(MIN_WINDOW, Math.min(MAX_WINDOW, (long) items * responseBytes / size));
    return response.build();
  }

  /** The snapshot with names replaced by dictionary ids; names new to the stream are added to the lists. */
  private FeatureSnapshot encode(Read read, List<String> newFeatures, List<String> newLabels) {
    FeatureSnapshot.Builder snapshot = FeatureSnapshot.newBuilder().setKeyIndex(read.keyIndex());
    read.features()
        .numbers()
        .forEach(
            (name, value) -> {
              snapshot.addFeatureIds(idOf(name, featureIds, newFeatures));
              snapshot.addFeatureValues(value);
            });
    read.features()
        .labels()
        .forEach(
            (name, value) -> {
              snapshot.addLabelIds(idOf(name, labelIds, newLabels));
              snapshot.addLabelValues(value);
            });
    return snapshot.build();
  }

  private static int idOf(String name, Map<String, Integer> dictionary, List<String> added) {
    Integer id = dictionary.get(name);
    if (id == null) {
      id = dictionary.size();
      dictionary.put(name, id);
      added.add(name);
    }
    return id;
  }

  private static long namesSize(List<String> names) {
    long size = 0;
    for (String name : names) {
      size += CodedOutputStream.computeStringSize(1, name);
    }
    return size;
  }

  private void fail(RuntimeException e) {
    boolean wasDone = done;
    done = true;
    if (!wasDone && !cancelled) {
      try {
        observer.onError(ApiErrors.toStatusException(e));
      } catch (RuntimeException alreadyClosed) {
        // the call ended meanwhile
      }
    }
  }
}
