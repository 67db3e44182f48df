package io.healthscore.alerting.feed;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.db.FeedLease;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.logging.FailureLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a feed's batches so that no change that fails to apply stalls the feed. A batch is
 * applied with its cursor in one transaction; when that fails it is split in halves, each applied
 * with its own cursor, down to the single change that fails, which is set aside ({@link
 * ParkedChanges}) in a transaction that also moves the cursor past it: counted, logged once, and
 * retried with backoff until it applies. An outage (signals-service unreachable, overloaded or
 * past the deadline; the database itself, which parking needs) or contention (a lock timeout or
 * deadlock between batches) is no poison: the failure
 * propagates and the stream's follower retries the batch from the stored cursor; contention is
 * first tried again at once a few times ({@link #CONTENTION_RETRIES}), since it usually ends when
 * the other batch commits.
 *
 * <p>Replicas: with a {@link FeedLease}, every transaction that moves the cursor or a set-aside
 * change is fenced with it, so only the replica holding the lease applies the feed, and retries
 * run there too; losing the lease fails the batch as a whole (the follower stops until it holds
 * the lease again).
 *
 * @param <T> the feed's change message
 */
public final class IsolatingFeed<T extends MessageLite> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IsolatingFeed.class);
  /** Failures that say nothing about the change: the same batch is retried as a whole. */
  private static final Set<Status.Code> OUTAGE = Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED,
      Status.Code.RESOURCE_EXHAUSTED, Status.Code.CANCELLED, Status.Code.ABORTED, Status.Code.UNAUTHENTICATED,
      Status.Code.PERMISSION_DENIED);
  static final Duration RETRY_BASE = Duration.ofSeconds(10);
  static final Duration RETRY_CAP = Duration.ofHours(1);
  private static final Duration RETRY_SCAN = Duration.ofSeconds(5);
  private static final int RETRIES_PER_SCAN = 100;
  /** Times a batch that met another batch's locks is applied again at once before it fails whole. */
  static final int CONTENTION_RETRIES = 3;
  private static final Duration CONTENTION_PAUSE = Duration.ofMillis(50);

  /** Applies changes, and in the same transaction the step that records them as done. */
  @FunctionalInterface
  public interface Applier<T> {
    void apply(List<T> changes, boolean retry, Step done);
  }

  /** A statement or two in the applier's transaction. */
  @FunctionalInterface
  public interface Step {
    void run(Connection c) throws SQLException;
  }

  /**
   * How to store and name a change.
   *
   * @param cursor the change's cursor in its feed
   * @param accountId the account it is about, for the log line
   * @param parser reads a stored change back
   */
  public record Codec<T extends MessageLite>(ToLongFunction<T> cursor, Function<T, String> accountId,
      Parser<T> parser) {
    T parse(byte[] bytes) {
      try {
        return parser.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("a set-aside change does not parse", e);
      }
    }
  }

  /**
   * What every feed's isolation shares: the database, the cursors, the clock, the metrics, and the
   * lease of each feed by its consumer name (null: no replicas, no fencing, e.g. a test driving it).
   */
  public record Factory(Database database, CursorStore cursors, Clock clock, MeterRegistry registry,
      Function<String, FeedLease> leases) {
    public <T extends MessageLite> IsolatingFeed<T> create(String consumer, Applier<T> applier, Codec<T> codec) {
      return new IsolatingFeed<>(consumer, database, cursors, new ParkedChanges(database), applier, codec, clock,
          registry, leases.apply(consumer));
    }
  }

  private final String consumer;
  private final Database database;
  private final CursorStore cursors;
  private final ParkedChanges parked;
  private final Applier<T> applier;
  private final Codec<T> codec;
  private final Clock clock;
  private final Counter parkedCount;
  private final Counter recoveredCount;
  private final Counter contentionRetries;
  private final AtomicLong waiting = new AtomicLong();
  private final FailureLog retryFailures;
  private final FeedLease lease;
  private ScheduledExecutorService retries;

  IsolatingFeed(String consumer, Database database, CursorStore cursors, ParkedChanges parked, Applier<T> applier, Codec<T> codec,
      Clock clock, MeterRegistry registry, FeedLease lease) {
    this.consumer = consumer;
    this.lease = lease;
    this.database = database;
    this.cursors = cursors;
    this.parked = parked;
    this.applier = applier;
    this.codec = codec;
    this.clock = clock;
    this.retryFailures = new FailureLog(LOG, "feed " + consumer + ": retry of set-aside changes");
    this.parkedCount = Counter.builder("healthscore.alerting.feed.changes.parked")
        .description("Feed changes set aside after they failed to apply on their own").tag("feed", consumer)
        .register(registry);
    this.recoveredCount = Counter.builder("healthscore.alerting.feed.changes.recovered")
        .description("Set-aside feed changes that applied on a retry").tag("feed", consumer).register(registry);
    this.contentionRetries = Counter.builder("healthscore.alerting.feed.contention.retries")
        .description("Feed batches applied again at once after they met another batch's locks").tag("feed", consumer)
        .register(registry);
    Gauge.builder("healthscore.alerting.feed.changes.waiting", waiting, AtomicLong::get)
        .description("Set-aside feed changes waiting for their retry").tag("feed", consumer).register(registry);
  }

  /** Applies a batch from the stream; returns once every change applied or was set aside. */
  public void handle(List<T> batch) {
    if (!batch.isEmpty()) {
      applyOrIsolate(batch);
    }
  }

  private void applyOrIsolate(List<T> changes) {
    long last = codec.cursor().applyAsLong(changes.get(changes.size() - 1));
    try {
      applyThroughContention(changes, last);
    } catch (RuntimeException e) {
      if (isOutage(e)) {
        throw e;
      }
      if (changes.size() == 1) {
        park(changes.get(0), e);
        return;
      }
      int half = changes.size() / 2;
      applyOrIsolate(changes.subList(0, half));
      applyOrIsolate(changes.subList(half, changes.size()));
    }
  }

  /**
   * Applies the changes; when they meet another batch's locks (the other feed holding the event
   * counter until its commit, say) tries again at once a few times, so that a lock wait a little
   * longer than the database's timeout costs a short pause, not the whole batch read again from
   * the stored cursor after the follower's backoff.
   */
  private void applyThroughContention(List<T> changes, long last) {
    for (int attempt = 1; ; attempt++) {
      try {
        applier.apply(changes, false, c -> {
          fence(c);
          cursors.save(c, consumer, last);
        });
        return;
      } catch (RuntimeException e) {
        if (attempt > CONTENTION_RETRIES || !ApiErrors.isContention(e)) {
          throw e;
        }
        contentionRetries.increment();
        try {
          Thread.sleep(CONTENTION_PAUSE.toMillis() * attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private void park(T change, RuntimeException failure) {
    long cursor = codec.cursor().applyAsLong(change);
    database.inTransaction(c -> {
      fence(c);
      parked.park(c, consumer, cursor, change.toByteArray(), describe(failure), clock.millis() + RETRY_BASE.toMillis());
      cursors.save(c, consumer, cursor);
      return null;
    });
    parkedCount.increment();
    waiting.incrementAndGet();
    LOG.warn("feed " + consumer + ": change " + cursor + " of account " + shortId(codec.accountId().apply(change))
        + " failed to apply and is set aside; the feed goes on and the change is retried with backoff: "
        + describe(failure));
  }

  private void fence(Connection c) throws SQLException {
    if (lease != null) {
      lease.fence(c);
    }
  }

  /** The consumer name the feed's cursor is stored under. */
  public String consumer() {
    return consumer;
  }

  /** The feed's lease; null without one. */
  public FeedLease lease() {
    return lease;
  }

  /** How many set-aside changes of this feed wait for a retry. */
  public long waiting() {
    return waiting.get();
  }

  /** Retries the set-aside changes that are due; returns how many applied. */
  public int retryDue() {
    if (lease != null && !lease.held()) {
      return 0;
    }
    int applied = 0;
    for (ParkedChanges.Parked p : parked.due(consumer, clock.millis(), RETRIES_PER_SCAN)) {
      try {
        applier.apply(List.of(codec.parse(p.payload())), true, c -> {
          fence(c);
          parked.remove(c, p);
        });
        applied++;
        recoveredCount.increment();
        LOG.info("feed " + consumer + ": set-aside change " + p.cursor() + " applied after " + p.attempts()
            + " failed attempts");
      } catch (RuntimeException e) {
        long delay = Math.min(RETRY_CAP.toMillis(), RETRY_BASE.toMillis() << Math.min(p.attempts(), 20));
        parked.failedAgain(p, describe(e), clock.millis() + delay);
      }
    }
    waiting.set(parked.count(consumer));
    return applied;
  }

  public synchronized void start() {
    waiting.set(parked.count(consumer));
    retries = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("alerting-feed-retry-" + consumer));
    retries.scheduleWithFixedDelay(() -> retryFailures.attempt(this::retryDue), RETRY_SCAN.toMillis(), RETRY_SCAN.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (retries != null) {
      retries.shutdownNow();
    }
  }

  private static boolean isOutage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof FeedLease.NotHeldException) {
        return true;
      }
      if (t instanceof StatusRuntimeException s && OUTAGE.contains(s.getStatus().getCode())) {
        return true;
      }
    }
    return ApiErrors.isContention(e);
  }

  private static String describe(Throwable e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static String shortId(String id) {
    return id.length() <= 128 ? id : id.substring(0, 128) + "…";
  }
}
