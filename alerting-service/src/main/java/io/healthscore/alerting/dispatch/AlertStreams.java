package io.healthscore.alerting.dispatch;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.SubscribeAlertsResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The SubscribeAlerts streams. Each stream reads the event log from its own position, so replay and
 * live events are one and the same read and nothing falls between them: a wake-up (after an append
 * committed in this process, or the poll interval for appends of other replicas) only tells streams
 * to read again.
 *
 * <p>Flow control: a stream sends only while the client's transport is ready and resumes from its
 * onReady handler, so a slow subscriber holds at most one page of events in memory.
 */
final class AlertStreams implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AlertStreams.class.getName());
  private static final int PAGE = 256;

  private final AlertEventLog log;
  private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
  private final ExecutorService drains;
  private final ScheduledExecutorService poller;
  private volatile boolean closing;

  AlertStreams(AlertEventLog log, Duration pollInterval) {
    this.log = log;
    this.drains = Executors.newFixedThreadPool(2, daemon("alert-stream-"));
    this.poller = Executors.newSingleThreadScheduledExecutor(daemon("alert-stream-poll-"));
    long pollMs = pollInterval.toMillis();
    poller.scheduleWithFixedDelay(this::wakeUp, pollMs, pollMs, TimeUnit.MILLISECONDS);
  }

  /** Streams events after {@code afterCursor} to the observer until the client cancels. */
  void subscribe(long afterCursor, StreamObserver<SubscribeAlertsResponse> observer) {
    ServerCallStreamObserver<SubscribeAlertsResponse> call =
        (ServerCallStreamObserver<SubscribeAlertsResponse>) observer;
    Subscription subscription = new Subscription(call, afterCursor);
    call.setOnCancelHandler(
        () -> {
          subscription.cancelled = true;
          subscriptions.remove(subscription);
        });
    call.setOnReadyHandler(subscription::schedule);
    subscriptions.add(subscription);
    subscription.schedule();
  }

  /** Tells every stream to read what was appended since it last looked. */
  void wakeUp() {
    for (Subscription s : subscriptions) {
      s.schedule();
    }
  }

  int subscriberCount() {
    return subscriptions.size();
  }

  /** Ends every stream with UNAVAILABLE, so clients reconnect (elsewhere) from their last cursor. */
  @Override
  public void close() {
    poller.shutdownNow();
    closing = true;
    // Each stream ends on its own drain thread: a StreamObserver must not be called concurrently.
    wakeUp();
    drains.shutdown();
    try {
      drains.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    subscriptions.clear();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.getAndIncrement());
      t.setDaemon(true);
      return t;
    };
  }

  /** One stream: its position in the log and the events read but not yet sent. */
  private final class Subscription {
    private final ServerCallStreamObserver<SubscribeAlertsResponse> call;
    private final ArrayDeque<AlertEvent> buffer = new ArrayDeque<>();
    /** Requests to drain; only the thread that raised it from zero drains, until it is back at zero. */
    private final AtomicInteger work = new AtomicInteger();
    private long position;
    private volatile boolean cancelled;
    private boolean ended;


    Subscription(ServerCallStreamObserver<SubscribeAlertsResponse> call, long afterCursor) {
      this.call = call;
      this.position = afterCursor;
    }

    void schedule() {
      if (work.getAndIncrement() == 0) {
        try {
          drains.execute(this::drain);
        } catch (RejectedExecutionException shuttingDown) {
          work.set(0);
        }
      }
    }

    private void drain() {
      int pending = work.get();
      do {
        try {
          if (closing) {
            end(Status.UNAVAILABLE.withDescription("server is shutting down").asRuntimeException());
          } else {
            sendWhileReady();
          }
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "alert stream failed at cursor " + position, e);
          end(ApiErrors.toStatusException(e));
        }
        pending = work.addAndGet(-pending);
      } while (pending != 0);
    }

    private void sendWhileReady() {
      while (!cancelled && !ended && call.isReady()) {
        if (buffer.isEmpty()) {
          buffer.addAll(log.readAfter(position, PAGE));
          if (buffer.isEmpty()) {
            return;
          }
        }
        AlertEvent event = buffer.poll();
        call.onNext(SubscribeAlertsResponse.newBuilder().setEvent(event).build());
        position = event.getCursor();
      }
    }

    /** Ends the call once; only from a drain, which never runs twice at once for a stream. */
    private void end(RuntimeException status) {
      if (ended || cancelled) {
        return;
      }
      ended = true;
      subscriptions.remove(this);
      try {
        call.onError(status);
      } catch (RuntimeException alreadyClosed) {
        // The client went away at the same moment; nothing left to tell it.
      }
    }
  }
}
