package io.healthscore.cli.importing;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.healthscore.cli.Services;
import io.healthscore.cli.output.Progress;
import io.healthscore.v1.Account;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.RecordOutcomesRequest;
import io.healthscore.v1.RecordOutcomesResponse;
import io.healthscore.v1.RejectedSignal;
import io.healthscore.v1.Signal;
import io.healthscore.v1.StreamSignalsRequest;
import io.healthscore.v1.StreamSignalsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import io.healthscore.v1.UpsertAccountsResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams a file into signals-service in batches. Signals go over StreamSignals with a few batches in
 * flight (one acknowledgement per batch); accounts and outcomes, whose RPCs store a batch whole or
 * not at all, go one batch per call, and a batch refused for some rows is sent again without them.
 */
public final class Importer {
  /** Batches of signals sent ahead of their acknowledgement. */
  private static final int WINDOW = 4;
  private static final Pattern ITEM_FIELD = Pattern.compile("^[a-z_]+\\[(\\d+)]\\.?(.*)$");

  private final Services services;
  private final int batchSize;

  public Importer(Services services, int batchSize) {
    this.services = services;
    this.batchSize = batchSize;
  }

  /** What the file holds. */
  public enum Kind {
    ACCOUNTS,
    SIGNALS,
    OUTCOMES
  }

  public ImportSummary run(Kind kind, Path file, RejectedRows rejectedFile, Progress progress)
      throws IOException, InterruptedException {
    ImportSummary summary = new ImportSummary(kind.name().toLowerCase(java.util.Locale.ROOT));
    long started = System.nanoTime();
    SignalStream stream = kind == Kind.SIGNALS ? new SignalStream(summary, rejectedFile, progress) : null;
    try (RowReader reader = RowReader.open(file)) {
      List<Row> rows = new ArrayList<>(batchSize);
      List<Object> messages = new ArrayList<>(batchSize);
      Row row;
      while ((row = reader.next()) != null) {
        summary.rows++;
        if (row.values() == null) {
          summary.reject(row, "", "malformed line: " + row.malformed(), rejectedFile);
          progress.advance(1);
          continue;
        }
        try {
          Object message = switch (kind) {
            case ACCOUNTS -> RowMapping.account(row);
            case SIGNALS -> RowMapping.signal(row);
            case OUTCOMES -> RowMapping.outcome(row);
          };
          rows.add(row);
          messages.add(message);
        } catch (RowException e) {
          summary.reject(row, e.field(), e.getMessage(), rejectedFile);
          progress.advance(1);
        }
        if (rows.size() == batchSize) {
          send(kind, stream, rows, messages, summary, rejectedFile, progress);
          rows = new ArrayList<>(batchSize);
          messages = new ArrayList<>(batchSize);
        }
      }
      if (!rows.isEmpty()) {
        send(kind, stream, rows, messages, summary, rejectedFile, progress);
      }
      if (stream != null) {
        stream.finish();
      }
    } finally {
      if (stream != null) {
        stream.cancelIfOpen();
      }
    }
    progress.finish();
    summary.seconds = (System.nanoTime() - started) / 1e9;
    return summary;
  }

  @SuppressWarnings("unchecked")
  private void send(Kind kind, SignalStream stream, List<Row> rows, List<Object> messages, ImportSummary summary,
      RejectedRows rejectedFile, Progress progress) throws InterruptedException {
    switch (kind) {
      case SIGNALS -> stream.send(rows, (List<Signal>) (List<?>) messages);
      case ACCOUNTS -> {
        sendWhole(rows, messages, summary, rejectedFile, batch -> {
          UpsertAccountsResponse r = services.signals().upsertAccounts(
              UpsertAccountsRequest.newBuilder().addAllAccounts((List<Account>) (List<?>) batch).build());
          summary.created += r.getCreated();
          summary.updated += r.getUpdated();
          summary.accepted += r.getCreated() + r.getUpdated();
        });
        progress.advance(rows.size());
      }
      case OUTCOMES -> {
        sendWhole(rows, messages, summary, rejectedFile, batch -> {
          RecordOutcomesResponse r = services.signals().recordOutcomes(
              RecordOutcomesRequest.newBuilder().addAllOutcomes((List<Outcome>) (List<?>) batch).build());
          summary.accepted += r.getRecorded();
          summary.duplicates += r.getDuplicates();
        });
        progress.advance(rows.size());
      }
    }
  }

  private interface BatchCall {
    void call(List<Object> batch);
  }

  /**
   * Sends a batch stored whole or not at all. INVALID_ARGUMENT names the items at fault
   * ({@code accounts[3].mrr}); those rows are rejected with the service's reason and the rest sent
   * again. A refusal that names no item rejects the whole batch.
   */
  private static void sendWhole(List<Row> rows, List<Object> messages, ImportSummary summary, RejectedRows rejectedFile, BatchCall call) {
    List<Row> pendingRows = new ArrayList<>(rows);
    List<Object> pending = new ArrayList<>(messages);
    while (!pending.isEmpty()) {
      try {
        call.call(pending);
        return;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
          throw e;
        }
        Map<Integer, String[]> faults = itemFaults(e);
        if (faults.isEmpty()) {
          String reason = e.getStatus().getDescription() == null ? "refused" : e.getStatus().getDescription();
          for (Row r : pendingRows) {
            summary.reject(r, "", reason, rejectedFile);
          }
          return;
        }
        List<Row> keptRows = new ArrayList<>();
        List<Object> kept = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
          String[] fault = faults.get(i);
          if (fault != null) {
            summary.reject(pendingRows.get(i), fault[0], fault[1], rejectedFile);
          } else {
            keptRows.add(pendingRows.get(i));
            kept.add(pending.get(i));
          }
        }
        pendingRows = keptRows;
        pending = kept;
      }
    }
  }

  /** Item index → {field, reason} from the BadRequest detail; the first violation per item. */
  static Map<Integer, String[]> itemFaults(StatusRuntimeException e) {
    Map<Integer, String[]> faults = new HashMap<>();
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status == null) {
      return faults;
    }
    for (var detail : status.getDetailsList()) {
      if (!detail.is(BadRequest.class)) {
        continue;
      }
      try {
        for (var v : detail.unpack(BadRequest.class).getFieldViolationsList()) {
          Matcher m = ITEM_FIELD.matcher(v.getField());
          if (m.matches()) {
            faults.putIfAbsent(Integer.parseInt(m.group(1)), new String[] {m.group(2), v.getDescription()});
          }
        }
      } catch (InvalidProtocolBufferException ignored) {
        // No usable detail: the caller rejects the batch whole.
      }
    }
    return faults;
  }

  /** The column of a service's field path: {@code signals[3].metric} → {@code metric}. */
  static String column(String field) {
    Matcher m = ITEM_FIELD.matcher(field);
    return m.matches() ? m.group(2) : field;
  }

  /** One StreamSignals call carrying every batch of the file, acknowledged in order. */
  private final class SignalStream {
    private final ImportSummary summary;
    private final RejectedRows rejectedFile;
    private final Progress progress;
    private final Semaphore window = new Semaphore(WINDOW);
    private final ArrayDeque<List<Row>> inFlight = new ArrayDeque<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final StreamObserver<StreamSignalsRequest> requests;
    private long batches;
    private boolean closed;

    SignalStream(ImportSummary summary, RejectedRows rejectedFile, Progress progress) {
      this.summary = summary;
      this.rejectedFile = rejectedFile;
      this.progress = progress;
      this.requests = services.signalsAsync().streamSignals(new StreamObserver<>() {
        @Override
        public void onNext(StreamSignalsResponse r) {
          acknowledged(r);
        }

        @Override
        public void onError(Throwable t) {
          failure.compareAndSet(null, t);
          window.release(WINDOW);
          done.countDown();
        }

        @Override
        public void onCompleted() {
          done.countDown();
        }
      });
    }

    void send(List<Row> rows, List<Signal> signals) throws InterruptedException {
      while (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        rethrowFailure();
      }
      rethrowFailure();
      for (Signal s : signals) {
        summary.rowsPerMetric.merge(s.getMetric(), 1L, Long::sum);
      }
      synchronized (inFlight) {
        inFlight.add(rows);
      }
      requests.onNext(StreamSignalsRequest.newBuilder().addAllSignals(signals).setBatchId(Long.toString(++batches)).build());
    }

    private void acknowledged(StreamSignalsResponse r) {
      List<Row> rows;
      synchronized (inFlight) {
        rows = inFlight.poll();
      }
      synchronized (summary) {
        summary.accepted += r.getAccepted();
        summary.duplicates += r.getDuplicates();
      }
      if (rows != null) {
        for (RejectedSignal rejected : r.getRejectedList()) {
          Row row = rejected.getIndex() < rows.size() ? rows.get(rejected.getIndex()) : Row.wellFormed(-1, Map.of(), "");
          summary.reject(row, column(rejected.getField()), rejected.getReason(), rejectedFile);
        }
        progress.advance(rows.size());
      }
      window.release();
    }

    void finish() throws InterruptedException {
      closed = true;
      requests.onCompleted();
      done.await();
      rethrowFailure();
    }

    void cancelIfOpen() {
      if (!closed) {
        requests.onError(Status.CANCELLED.withDescription("import stopped").asRuntimeException());
      }
    }

    private void rethrowFailure() {
      Throwable t = failure.get();
      if (t instanceof StatusRuntimeException s) {
        throw s;
      }
      if (t != null) {
        throw new IllegalStateException(t);
      }
    }
  }
}
