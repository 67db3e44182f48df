package io.healthscore.runtime.stream;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.db.FeedLease;
import io.healthscore.runtime.logging.FailureLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one resumable server stream (the client side of {@link CursorStreamHub}) on a thread of
 * its own: opens it after the cursor stored for this consumer, hands what arrives to the handler in
 * batches, and after any failure, of the stream or of the handler, opens it again from the stored
 * cursor after an exponential backoff with jitter. The handler stores the cursor of a batch in the
 * same transaction as its effects, so a crash or an outage neither skips an item nor applies one
 * twice. An outage is logged when it starts, when its cause changes and when the stream is back,
 * not at every attempt.
 *
 * <p>Replicas: with a {@link Builder#lease lease}, the stream is open only while this replica holds
 * the lease, and the cursor is read when it opens, so a replica that takes over resumes exactly
 * where the previous holder committed (its handler fences its transactions with the lease).
 *
 * <p>Flow control: at most {@code window} items are requested ahead of the handler, so when handling
 * falls behind the server holds back. Whatever has arrived by the time a batch starts goes into that
 * batch (up to {@code maxBatch}), so a busy stream costs one commit per batch, not per item.
 *
 * @param <T> the stream's response message
 */
public final class StreamFollower<T> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamFollower.class);
  private static final Duration POLL = Duration.ofMillis(200);
  /** How long a call must stay open before the stream counts as connected again. */
  private static final Duration RECONNECTED_AFTER = Duration.ofSeconds(1);

  /** Starts the call: pass {@code observer} to the async stub as it is. */
  @FunctionalInterface
  public interface Opener<T> {
    void open(long afterCursor, StreamObserver<T> observer);
  }

  /** Applies a batch and stores the cursor of its last item, in one transaction. */
  @FunctionalInterface
  public interface Handler<T> {
    void handle(List<T> batch);
  }

  /** An item received, or the end of the call when {@code end} is set. */
  private record Arrival<T>(T item, Status end) {}

  private final String consumer;
  private final CursorStore cursors;
  private final Opener<T> opener;
  private final Handler<T> handler;
  private final int window;
  private final int maxBatch;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Consumer<T> onReceived;
  private final Runnable onReconnect;
  /** Logs an outage once when it starts and once when the stream is back, not per attempt. */
  private final FailureLog failures;
  private final FeedLease lease;
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile BlockingQueue<Arrival<T>> arrivals = new LinkedBlockingQueue<>();
  private volatile ClientCallStreamObserver<?> call;
  @GuardedBy("this")
  private Thread worker;
  /** The next reconnect's base wait; only the worker thread touches it. */
  private long backoffMillis;

  private StreamFollower(Builder<T> b) {
    this.consumer = b.consumer;
    this.cursors = b.cursors;
    this.opener = b.opener;
    this.handler = b.handler;
    this.window = b.window;
    this.maxBatch = b.maxBatch;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.onReceived = b.onReceived;
    this.onReconnect = b.onReconnect;
    this.failures = new FailureLog(LOG, consumer + " following its stream");
    this.lease = b.lease;
  }

  /**
   * A follower for the consumer named {@code consumer} in {@code cursors}: {@code opener} starts the
   * call after a cursor, {@code handler} applies batches and saves the cursor under that name.
   */
  public static <T> Builder<T> builder(
      String consumer, CursorStore cursors, Opener<T> opener, Handler<T> handler) {
    return new Builder<>(consumer, cursors, opener, handler);
  }

  public synchronized void start() {
    if (worker == null && closing.getCount() > 0) {
      worker = DaemonThreads.named("follow-" + consumer).newThread(this::run);
      worker.start();
    }
  }

  /** The oldest item received and not yet taken into a batch, for lag gauges. */
  public Optional<T> oldestWaiting() {
    Arrival<T> next = arrivals.peek();
    return next == null ? Optional.empty() : Optional.ofNullable(next.item());
  }

  /**
   * Since when the stream has been out: set once it failed and reopening it failed too (a single
   * broken call that reopens at once is no outage), cleared when it is followed again.
   */
  public Optional<Instant> disconnectedSince() {
    return failures.failingSince(2);
  }

  private void run() {
    backoffMillis = initialBackoff.toMillis();
    while (!closed()) {
      if (!awaitLease()) {
        return;
      }
      BlockingQueue<Arrival<T>> queue = new LinkedBlockingQueue<>();
      arrivals = queue;
      Status end;
      try {
        opener.open(cursors.load(consumer), new Receiver(queue));
        end = follow(queue);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        end = Status.fromThrowable(e);
        if (!closed()) {
          failures.failed(e);
        }
      } finally {
        cancelCall("reconnecting");
      }
      if (closed()) {
        return;
      }
      if (end.isOk() || end.getCode() == Status.Code.DEADLINE_EXCEEDED || !leaseHeld()) {
        // A clean end (server draining, stream deadline, lease gone): open again soon, without growing the wait.
        backoffMillis = initialBackoff.toMillis();
        failures.succeeded();
      } else {
        failures.failed(end);
        onReconnect.run();
      }
      if (!sleep(jittered(backoffMillis))) {
        return;
      }
      backoffMillis = Math.min(maxBackoff.toMillis(), backoffMillis * 2);
    }
  }

  /** Handles batches until the call ends; returns how it ended. Handler failures propagate. */
  private Status follow(BlockingQueue<Arrival<T>> queue) throws InterruptedException {
    long openedNanos = System.nanoTime();
    List<T> batch = new ArrayList<>();
    while (!closed()) {
      if (!leaseHeld()) {
        return Status.OK; // another replica applies the stream now
      }
      Arrival<T> first = queue.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
      if (first == null) {
        if (System.nanoTime() - openedNanos > RECONNECTED_AFTER.toNanos()) {
          // Refusals (auth, a server still starting) end a call at once: one open this long is up.
          failures.succeeded();
        }
        continue;
      }
      batch.clear();
      Status end = first.end();
      if (end == null) {
        batch.add(first.item());
        Arrival<T> next;
        while (batch.size() < maxBatch && (next = queue.poll()) != null) {
          if (next.end() != null) {
            end = next.end();
            break;
          }
          batch.add(next.item());
        }
      }
      if (!batch.isEmpty()) {
        handler.handle(List.copyOf(batch));
        failures.succeeded();
        backoffMillis = initialBackoff.toMillis(); // progress: the next failure waits briefly again
        ClientCallStreamObserver<?> current = call;
        if (current != null && end == null) {
          current.request(batch.size());
        }
      }
      if (end != null) {
        return end;
      }
    }
    return Status.CANCELLED;
  }

  private boolean leaseHeld() {
    return lease == null || lease.held();
  }

  /** Waits until this replica holds the lease (at once without one); false when closing. */
  private boolean awaitLease() {
    while (!leaseHeld()) {
      if (!sleep(POLL.toMillis())) {
        return false;
      }
    }
    return !closed();
  }

  private static long jittered(long millis) {
    return millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
  }

  private boolean closed() {
    return closing.getCount() == 0;
  }

  /** Waits, or returns false at once when the follower closes. */
  private boolean sleep(long millis) {
    try {
      return !closing.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void cancelCall(String why) {
    ClientCallStreamObserver<?> current = call;
    if (current != null) {
      current.cancel(why, null);
    }
  }

  /** Stops following: cancels the call and waits for the batch being handled. */
  @Override
  public void close() {
    Thread w;
    synchronized (this) {
      closing.countDown();
      w = worker;
    }
    cancelCall(consumer + " stopping");
    if (w != null) {
      try {
        w.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Receives one call's messages on gRPC's threads and queues them for the worker. */
  private final class Receiver implements ClientResponseObserver<Object, T> {
    private final BlockingQueue<Arrival<T>> queue;

    Receiver(BlockingQueue<Arrival<T>> queue) {
      this.queue = queue;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Object> requests) {
      call = requests;
      requests.disableAutoRequestWithInitial(window);
    }

    @Override
    public void onNext(T value) {
      queue.add(new Arrival<>(value, null));
      onReceived.accept(value);
    }

    @Override
    public void onError(Throwable t) {
      queue.add(new Arrival<>(null, Status.fromThrowable(t)));
    }

    @Override
    public void onCompleted() {
      queue.add(new Arrival<>(null, Status.OK));
    }
  }

  /** Optional settings; the defaults suit a feed of small messages. */
  public static final class Builder<T> {
    private final String consumer;
    private final CursorStore cursors;
    private final Opener<T> opener;
    private final Handler<T> handler;
    private int window = 400;
    private int maxBatch = 200;
    private Duration initialBackoff = Duration.ofMillis(200);
    private Duration maxBackoff = Duration.ofSeconds(10);
    private Consumer<T> onReceived = item -> {};
    private Runnable onReconnect = () -> {};
    private FeedLease lease;

    private Builder(String consumer, CursorStore cursors, Opener<T> opener, Handler<T> handler) {
      this.consumer = Objects.requireNonNull(consumer);
      this.cursors = Objects.requireNonNull(cursors);
      this.opener = Objects.requireNonNull(opener);
      this.handler = Objects.requireNonNull(handler);
    }

    /** Items requested ahead of the handler. */
    public Builder<T> window(int items) {
      this.window = items;
      return this;
    }

    /** The most items handed to the handler at once. */
    public Builder<T> maxBatch(int items) {
      this.maxBatch = items;
      return this;
    }

    /** The wait before reopening: {@code initial} after a clean end, doubling up to {@code max}. */
    public Builder<T> backoff(Duration initial, Duration max) {
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** Called on gRPC's thread for every item as it arrives (before it is handled). */
    public Builder<T> onReceived(Consumer<T> listener) {
      this.onReceived = listener;
      return this;
    }

    /** Called before every reopen after a failure (not after a clean end). */
    public Builder<T> onReconnect(Runnable listener) {
      this.onReconnect = listener;
      return this;
    }

    /**
     * Follows the stream only while this replica holds {@code lease} (several replicas sharing the
     * cursor); the handler must {@link FeedLease#fence fence} its transactions with it.
     */
    public Builder<T> lease(FeedLease lease) {
      this.lease = lease;
      return this;
    }

    public StreamFollower<T> build() {
      if (window < maxBatch || maxBatch < 1) {
        throw new IllegalArgumentException("need 1 <= maxBatch <= window");
      }
      return new StreamFollower<>(this);
    }
  }
}
