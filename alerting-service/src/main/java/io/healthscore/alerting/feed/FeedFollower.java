package io.healthscore.alerting.feed;

import io.grpc.Context;
import io.healthscore.runtime.db.CursorStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Follows one resumable stream on threads of its own: opens it after the stored cursor, hands the
 * items to {@link #handle} in batches (one transaction per batch, which also saves the cursor), and
 * on any failure, of the stream or of a handler, reconnects after a backoff from the stored cursor.
 * So a crash or an outage neither skips items nor applies one twice.
 *
 * <p>A reader thread moves items from the stream into a bounded queue; when handling falls behind,
 * the queue fills, the reader stops reading and gRPC flow control holds the server back. Whatever
 * has queued up by the time a batch starts goes into that batch: one durable commit for up to
 * {@value #MAX_BATCH} items instead of one each.
 */
abstract class FeedFollower<T> implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(FeedFollower.class.getName());
  static final int MAX_BATCH = 200;
  private static final Object END = new Object();

  private final String name;
  private final CursorStore cursors;
  private final Backoff backoff;
  private volatile boolean closed;
  private volatile Context.CancellableContext call;
  private Thread thread;

  FeedFollower(String name, CursorStore cursors, Duration maxBackoff) {
    this.name = name;
    this.cursors = cursors;
    this.backoff = new Backoff(Duration.ofMillis(200), maxBackoff);
  }

  /** Opens the stream after {@code cursor}. */
  abstract Iterator<T> open(long cursor);

  /** Applies items in one transaction that also saves the last item's cursor. */
  public abstract void handle(List<T> batch);

  public synchronized void start() {
    thread = new Thread(this::run, "alerting-feed-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** A failure of the reader thread, passed to the handling thread through the queue. */
  private record ReadFailure(Throwable cause) {}

  private void run() {
    while (!closed) {
      Context.CancellableContext context = Context.current().withCancellation();
      call = context;
      Thread reader = null;
      try {
        long cursor = cursors.load(name);
        Iterator<T> stream = context.call(() -> open(cursor));
        BlockingQueue<Object> queue = new ArrayBlockingQueue<>(MAX_BATCH * 2);
        reader = new Thread(() -> read(stream, queue), "alerting-feed-" + name + "-reader");
        reader.setDaemon(true);
        reader.start();
        consume(queue);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        if (closed) {
          break;
        }
        // One line per reconnect: an upstream that is down for a while must not flood the log.
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        LOG.warning(name + " feed interrupted, reconnecting: " + cause);
        LOG.log(Level.FINE, name + " feed failure", e);
      } finally {
        context.cancel(null);
        if (reader != null) {
          reader.interrupt();
        }
      }
      if (!closed && !sleep(backoff.next())) {
        break;
      }
    }
  }

  private static void read(Iterator<?> stream, BlockingQueue<Object> queue) {
    try {
      while (stream.hasNext()) {
        queue.put(stream.next());
      }
      queue.put(END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      queue.offer(new ReadFailure(e));
    }
  }

  /** Handles batches until the stream ends or fails. */
  @SuppressWarnings("unchecked")
  private void consume(BlockingQueue<Object> queue) throws Exception {
    List<Object> taken = new ArrayList<>();
    while (!closed) {
      taken.clear();
      taken.add(queue.take());
      queue.drainTo(taken, MAX_BATCH - 1);
      List<T> batch = new ArrayList<>(taken.size());
      Object stop = null;
      for (Object item : taken) {
        if (item == END || item instanceof ReadFailure) {
          stop = item;
          break;
        }
        batch.add((T) item);
      }
      if (!batch.isEmpty()) {
        handle(batch);
        backoff.reset();
      }
      if (stop instanceof ReadFailure failure) {
        throw new IllegalStateException("stream failed: " + failure.cause(), failure.cause());
      }
      if (stop == END) {
        return;
      }
    }
  }

  private boolean sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    Context.CancellableContext c = call;
    if (c != null) {
      c.cancel(null);
    }
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
