package io.healthscore.alerting.feed;

import io.grpc.Context;
import io.healthscore.runtime.db.CursorStore;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Follows one resumable stream on a thread of its own: opens it after the stored cursor, handles
 * each item (a handler saves the cursor in the transaction of the item's effects), and on any
 * failure, of the stream or of a handler, reconnects after a backoff from the stored cursor. So a
 * crash or an outage neither skips items nor applies one twice.
 */
abstract class FeedFollower implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(FeedFollower.class.getName());

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

  /** The consumer's name in the cursor table. */
  final String name() {
    return name;
  }

  /** Opens the stream after {@code cursor} and handles items until it ends or fails. */
  abstract void follow(long cursor) throws Exception;

  /** Called by {@link #follow} after each handled item. */
  final void progressed() {
    backoff.reset();
  }

  final boolean closed() {
    return closed;
  }

  public synchronized void start() {
    thread = new Thread(this::run, "alerting-feed-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (!closed) {
      Context.CancellableContext context = Context.current().withCancellation();
      call = context;
      try {
        long cursor = cursors.load(name);
        context.run(() -> {
          try {
            follow(cursor);
          } catch (Exception e) {
            throw new FeedFailure(e);
          }
        });
      } catch (RuntimeException e) {
        if (closed) {
          break;
        }
        Throwable cause = e instanceof FeedFailure ? e.getCause() : e;
        LOG.log(Level.WARNING, name + " feed interrupted, reconnecting: " + cause, cause);
      } finally {
        context.cancel(null);
      }
      if (!closed) {
        sleep(backoff.next());
      }
    }
  }

  private void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
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

  private static final class FeedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FeedFailure(Throwable cause) {
      super(cause);
    }
  }
}
