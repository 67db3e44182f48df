package io.healthscore.scoring.feed;

import com.google.protobuf.util.Timestamps;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.scoring.DaemonThreads;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.scoring.Scorer;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.WatchChangesRequest;
import io.healthscore.v1.WatchChangesResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Follows signals-service's change feed and rescores the accounts it names.
 *
 * <p>The cursor is stored in the same transaction as the score changes it caused, so a restart
 * resumes exactly after the last applied change: nothing is recomputed twice and nothing made
 * while scoring-service was down is missed. Changes are taken in batches (up to 1000 accounts),
 * their features read with BatchGetFeatures, and account edits refresh the account directory
 * first. The stream is flow-controlled (at most {@link #WINDOW} changes in flight), carries a
 * deadline after which it is reopened, and is reopened with exponential backoff after errors.
 */
public final class SignalsFeedConsumer implements AutoCloseable {
  public static final String CONSUMER = "scoring-service.signals-feed";
  static final int WINDOW = 2000;
  static final int MAX_BATCH = SignalsClient.MAX_BATCH;
  private static final Logger LOG = Logger.getLogger(SignalsFeedConsumer.class.getName());
  private static final Duration STREAM_DEADLINE = Duration.ofMinutes(5);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  /** A change or the end of the stream (error or completion). */
  private record Item(AccountChange change, Status end) {}

  private final SignalServiceGrpc.SignalServiceStub stub;
  private final CursorStore cursors;
  private final AccountDirectory directory;
  private final SignalsClient signals;
  private final Scorer scorer;
  private final AtomicLong applied = new AtomicLong();
  /** The highest cursor signals-service has sent us. */
  private final AtomicLong received = new AtomicLong();
  /** When the oldest change of the batch being applied was recorded; 0 when none is applied. */
  private volatile long applyingSinceMillis;
  /** The current stream's changes received and not yet taken into a batch. */
  private volatile BlockingQueue<Item> pending = new LinkedBlockingQueue<>();
  private final Counter changesApplied;
  private final Counter reconnects;
  private volatile boolean running;
  private volatile ClientCallStreamObserver<WatchChangesRequest> currentCall;
  private Thread worker;

  public SignalsFeedConsumer(
      Channel channel,
      CursorStore cursors,
      AccountDirectory directory,
      SignalsClient signals,
      Scorer scorer,
      MeterRegistry registry) {
    this.stub = SignalServiceGrpc.newStub(channel);
    this.cursors = cursors;
    this.directory = directory;
    this.signals = signals;
    this.scorer = scorer;
    this.applied.set(cursors.load(CONSUMER));
    this.received.set(applied.get());
    this.changesApplied =
        Counter.builder("healthscore.feed.changes.applied")
            .description("Account changes from signals-service applied to scores")
            .register(registry);
    this.reconnects =
        Counter.builder("healthscore.feed.reconnects")
            .description("Times the signals change feed was reopened after an error")
            .register(registry);
    Gauge.builder("healthscore.feed.cursor", applied, AtomicLong::get)
        .description("Cursor of the last applied signals change")
        .register(registry);
    Gauge.builder("healthscore.feed.cursor.lag", this, f -> Math.max(0, f.received.get() - f.applied.get()))
        .description("Highest signals cursor received minus the cursor applied (0 when caught up)")
        .register(registry);
    Gauge.builder("healthscore.feed.lag", this, SignalsFeedConsumer::lagSeconds)
        .description("Age of the oldest signals change received and not yet applied (0 when caught up)")
        .baseUnit("seconds")
        .register(registry);
  }

  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    worker = DaemonThreads.named("signals-feed").newThread(this::run);
    worker.start();
  }

  /** The cursor of the last change whose effects are stored. */
  public long appliedCursor() {
    return applied.get();
  }

  private void run() {
    long backoffMillis = 100;
    while (running) {
      BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
      pending = queue;
      try {
        open(applied.get(), queue);
        boolean healthy = follow(queue);
        if (healthy) {
          backoffMillis = 100;
          continue;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "applying signals changes failed; retrying", e);
      } finally {
        ClientCallStreamObserver<WatchChangesRequest> call = currentCall;
        if (call != null) {
          call.cancel("reconnecting", null);
        }
      }
      if (!running) {
        return;
      }
      reconnects.increment();
      try {
        Thread.sleep(backoffMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      backoffMillis = Math.min(MAX_BACKOFF.toMillis(), backoffMillis * 2);
    }
  }

  private void open(long afterCursor, BlockingQueue<Item> queue) {
    stub.withDeadlineAfter(STREAM_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .watchChanges(
            WatchChangesRequest.newBuilder().setAfterCursor(afterCursor).build(),
            new ClientResponseObserver<WatchChangesRequest, WatchChangesResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WatchChangesRequest> call) {
                currentCall = call;
                call.disableAutoRequestWithInitial(WINDOW);
              }

              @Override
              public void onNext(WatchChangesResponse value) {
                queue.add(new Item(value.getChange(), null));
                received.accumulateAndGet(value.getChange().getCursor(), Math::max);
              }

              @Override
              public void onError(Throwable t) {
                queue.add(new Item(null, Status.fromThrowable(t)));
              }

              @Override
              public void onCompleted() {
                queue.add(new Item(null, Status.OK));
              }
            });
  }

  /**
   * Applies batches until the stream ends. True when it ended normally (deadline or completion,
   * reopen at once), false after an error (back off first).
   */
  private boolean follow(BlockingQueue<Item> queue) throws InterruptedException {
    while (running) {
      Item first = queue.poll(200, TimeUnit.MILLISECONDS);
      if (first == null) {
        continue;
      }
      List<AccountChange> batch = new ArrayList<>();
      Status end = first.end();
      if (end == null) {
        batch.add(first.change());
        // Take what already arrived, up to a batch, without waiting for more.
        Item next;
        while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
          if (next.end() != null) {
            end = next.end();
            break;
          }
          batch.add(next.change());
        }
      }
      if (!batch.isEmpty()) {
        apply(batch);
        ClientCallStreamObserver<WatchChangesRequest> call = currentCall;
        if (call != null && end == null) {
          call.request(batch.size());
        }
      }
      if (end != null) {
        if (end.isOk() || end.getCode() == Status.Code.DEADLINE_EXCEEDED) {
          return true;
        }
        if (running) {
          LOG.warning("signals change feed ended: " + end);
        }
        return false;
      }
    }
    return true;
  }

  /** Refreshes edited accounts, rescores every account named and stores the cursor with it. */
  void apply(List<AccountChange> batch) {
    applyingSinceMillis = Math.max(1, Timestamps.toMillis(batch.get(0).getChangeTime()));
    try {
      applyBatch(batch);
    } finally {
      applyingSinceMillis = 0;
    }
  }

  private void applyBatch(List<AccountChange> batch) {
    long last = batch.get(batch.size() - 1).getCursor();
    Set<String> ids = new LinkedHashSet<>();
    boolean accountsEdited = false;
    for (AccountChange change : batch) {
      ids.add(change.getAccountId());
      if (change.getKindsList().contains(ChangeKind.CHANGE_KIND_ACCOUNT)) {
        directory.refresh(change.getAccountId());
        accountsEdited = true;
      }
    }
    List<AccountInfo> accounts = new ArrayList<>(ids.size());
    for (String id : ids) {
      directory.get(id).ifPresent(accounts::add);
    }
    List<AccountSnapshot> snapshots = signals.currentSnapshots(accounts);
    if (snapshots.isEmpty()) {
      cursors.save(CONSUMER, last);
    } else {
      scorer.recompute(snapshots, null, accountsEdited, c -> cursors.save(c, CONSUMER, last));
    }
    applied.set(last);
    changesApplied.increment(batch.size());
  }

  /**
   * Seconds since the oldest change received and not applied yet was recorded by signals-service:
   * the batch being applied, else the next one waiting. Changes signals-service has not sent yet
   * (beyond the flow-control window) do not show here.
   */
  private double lagSeconds() {
    long since = applyingSinceMillis;
    if (since == 0) {
      Item next = pending.peek();
      if (next == null || next.change() == null) {
        return 0;
      }
      since = Timestamps.toMillis(next.change().getChangeTime());
    }
    return Math.max(0, System.currentTimeMillis() - since) / 1000.0;
  }

  @Override
  public void close() {
    Thread w;
    synchronized (this) {
      running = false;
      w = worker;
    }
    ClientCallStreamObserver<WatchChangesRequest> call = currentCall;
    if (call != null) {
      call.cancel("scoring-service stopping", null);
    }
    if (w != null) {
      try {
        w.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
