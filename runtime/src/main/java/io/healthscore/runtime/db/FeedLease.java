package io.healthscore.runtime.db;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.config.ServiceConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import io.healthscore.runtime.logging.FailureLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which replica runs a piece of work that must run in one place at a time, such as applying a
 * stream whose cursor the replicas of a service share: a row per lease in stream_leases naming its
 * holder until a time, renewed every third of its time to live, taken over by another replica once
 * it expires (the holder crashed or hangs).
 *
 * <p>Fencing: every change of holder increments the lease's fence, and the holder's transactions
 * call {@link #fence(Connection)}, which updates the row only while it still names this holder and
 * fence, and holds the row lock until commit. A holder that paused past its expiry and lost the
 * lease therefore cannot commit a batch the new holder may also apply; a takeover waits for the
 * holder's open transaction and then sees the expiry that transaction extended.
 *
 * <p>A replica's id is stable across restarts of the same pod ({@link #replicaId}), so a replica
 * restarted after a kill -9 takes back the lease its previous run left at once, with a new fence
 * (that run, were it still alive, can no longer commit); a replica of another id waits for the
 * expiry. A restart takes back its own lease only with its first attempt: a second live process
 * given the same id (a misconfiguration) takes the lease once and keeps it, the two do not trade it.
 *
 * <p>On H2 the store's file lock already makes this process the only one, so it takes the lease at
 * once, also from the holder a kill -9 left behind (a restart does not wait for its expiry).
 *
 * <p>Expiry compares wall clocks of different replicas, so their skew must stay well below the time
 * to live (NTP); a skew only moves a takeover earlier or later, fencing keeps it safe.
 */
public final class FeedLease implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeedLease.class);
  /** How long a lease lasts without renewal, i.e. how long a crashed holder's work waits. */
  public static final String TTL = "HEALTHSCORE_FEED_LEASE_TTL";
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);
  /** This replica's id in leases and logs; default the host name (the pod's, on Kubernetes). */
  public static final String REPLICA_ID = "HEALTHSCORE_REPLICA_ID";

  /** The lease is held by another replica, or expired before this transaction could extend it. */
  public static final class NotHeldException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    NotHeldException(String message) {
      super(message, null);
    }
  }

  private final Database database;
  private final String name;
  private final String holder;
  private final Duration ttl;
  private final boolean onlyProcess;
  private final ScheduledExecutorService renewer;
  private final FailureLog renewFailures;

  @GuardedBy("this")
  private long fence = -1;
  /** The fence this instance held last, also after losing it; -1 until it first takes the lease. */
  @GuardedBy("this")
  private long lastFence = -1;
  /** System.nanoTime() until which this replica may act as the holder. */
  @GuardedBy("this")
  private long validUntilNanos;

  /** The lease {@code name}, taken as {@code holder} (unique per replica) for {@code ttl} at a time. */
  public FeedLease(Database database, String name, String holder, Duration ttl) {
    if (ttl.toMillis() < 30) {
      throw new IllegalArgumentException("lease time to live too short: " + ttl);
    }
    this.database = database;
    this.name = name;
    this.holder = holder;
    this.ttl = ttl;
    this.onlyProcess = database.dialect() == SqlDialect.H2;
    database.migrate(CursorStore.MIGRATIONS, Database.RUNTIME_OWNER);
    this.renewer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("lease-" + name));
    this.renewFailures = new FailureLog(LOG, "renewal of lease " + name);
  }

  /**
   * This replica's id in leases and logs: {@value #REPLICA_ID}, else HOSTNAME (a Kubernetes pod's
   * name, kept when its container restarts), else a random one (a restart then waits for the
   * expiry of the lease its previous run held).
   */
  public static String replicaId(ServiceConfig config) {
    String id = config.get(REPLICA_ID, config.get("HOSTNAME", ""));
    return id.isEmpty() ? "replica-" + UUID.randomUUID().toString().substring(0, 8) : id;
  }

  /**
   * Reports {@code healthscore_feed_lease_held{feed=<name>}}: 1 while this replica holds the lease,
   * else 0; summed over the replicas it shows whether exactly one holds each lease.
   */
  public void reportTo(MeterRegistry registry) {
    Gauge.builder("healthscore.feed.lease.held", this, l -> l.held() ? 1 : 0)
        .description("1 while this replica holds the feed's lease (applies the feed), else 0")
        .tag("feed", name)
        .register(registry);
  }

  /**
   * Tries to take the lease now, on the caller's thread (so a lone replica holds it when start
   * returns), then renews or retries every third of its time to live.
   */
  public void start() {
    renewQuietly();
    long every = Math.max(10, ttl.toMillis() / 3);
    renewer.scheduleWithFixedDelay(this::renewQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  public String name() {
    return name;
  }

  public String holder() {
    return holder;
  }

  /** Whether this replica holds the lease now (as last renewed; {@link #fence} decides in a transaction). */
  public synchronized boolean held() {
    return fence >= 0 && System.nanoTime() - validUntilNanos < 0;
  }

  /**
   * Inside the caller's transaction: extends the lease while it still names this holder and fence,
   * or throws {@link NotHeldException} so that the transaction rolls back.
   */
  public void fence(Connection c) throws SQLException {
    long myFence;
    synchronized (this) {
      myFence = fence;
    }
    long started = System.nanoTime();
    if (myFence >= 0) {
      try (PreparedStatement s =
          c.prepareStatement(
              "UPDATE stream_leases SET expires_at = ? WHERE lease_name = ? AND holder = ? AND fence = ?")) {
        s.setLong(1, System.currentTimeMillis() + ttl.toMillis());
        s.setString(2, name);
        s.setString(3, holder);
        s.setLong(4, myFence);
        if (s.executeUpdate() == 1) {
          extended(myFence, started);
          return;
        }
      }
    }
    lost(myFence);
    throw new NotHeldException("lease " + name + " is not held by " + holder);
  }

  /** One attempt to take or renew the lease; returns whether this replica holds it after. */
  boolean renew() {
    long started = System.nanoTime();
    long now = System.currentTimeMillis();
    long myLastFence;
    synchronized (this) {
      myLastFence = lastFence;
    }
    long newFence =
        database.inTransaction(
            c -> {
              try (PreparedStatement s =
                  c.prepareStatement(
                      database
                          .dialect()
                          .insertIgnoreSql(
                              "stream_leases",
                              List.of("lease_name"),
                              List.of("lease_name", "holder", "fence", "expires_at")))) {
                s.setString(1, name);
                s.setString(2, "");
                s.setLong(3, 0);
                s.setLong(4, 0);
                s.executeUpdate();
              }
              try (PreparedStatement s =
                  c.prepareStatement(
                      // The fence stays only when this instance renews what it held; any other take,
                      // a restart taking back its own lease included, moves it on.
                      "UPDATE stream_leases SET fence = CASE WHEN holder = ? AND fence = ? THEN fence ELSE fence + 1 END,"
                          + " holder = ?, expires_at = ? WHERE lease_name = ?"
                          + " AND (holder = ? AND (fence = ? OR ?) OR expires_at < ? OR ?)")) {
                s.setString(1, holder);
                s.setLong(2, myLastFence);
                s.setString(3, holder);
                s.setLong(4, now + ttl.toMillis());
                s.setString(5, name);
                s.setString(6, holder);
                s.setLong(7, myLastFence);
                s.setBoolean(8, myLastFence < 0);
                s.setLong(9, now);
                s.setBoolean(10, onlyProcess);
                if (s.executeUpdate() == 0) {
                  return -1L;
                }
              }
              try (PreparedStatement s = c.prepareStatement("SELECT fence FROM stream_leases WHERE lease_name = ?")) {
                s.setString(1, name);
                try (ResultSet rs = s.executeQuery()) {
                  rs.next();
                  return rs.getLong(1);
                }
              }
            });
    if (newFence < 0) {
      lost(-1);
      return false;
    }
    boolean gained;
    synchronized (this) {
      gained = fence != newFence;
    }
    extended(newFence, started);
    if (gained) {
      LOG.info("{} holds {} (fence {})", holder, name, newFence);
    }
    return true;
  }

  /** The database out: this replica stops acting as the holder once the lease runs out, and retries. */
  private void renewQuietly() {
    renewFailures.attempt(this::renew);
  }

  /** Acting as the holder ends a little before the row expires, so that no takeover overlaps. */
  private synchronized void extended(long newFence, long startedNanos) {
    fence = newFence;
    lastFence = newFence;
    validUntilNanos = startedNanos + ttl.toNanos() * 4 / 5;
  }

  private void lost(long lostFence) {
    boolean wasHeld;
    synchronized (this) {
      wasHeld = fence >= 0 && (lostFence < 0 || fence == lostFence);
      if (wasHeld) {
        fence = -1;
      }
    }
    if (wasHeld) {
      LOG.info("{} no longer holds {}", holder, name);
    }
  }

  /** Stops renewing and releases the lease, so that another replica takes over at once. */
  @Override
  public void close() {
    // Not shutdownNow: interrupting a renewal inside the embedded store's file I/O breaks the store.
    renewer.shutdown();
    try {
      renewer.awaitTermination(ttl.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long myFence;
    synchronized (this) {
      myFence = fence;
      fence = -1;
    }
    if (myFence < 0) {
      return;
    }
    try {
      database.inTransaction(
          c -> {
            try (PreparedStatement s =
                c.prepareStatement(
                    "UPDATE stream_leases SET expires_at = 0 WHERE lease_name = ? AND holder = ? AND fence = ?")) {
              s.setString(1, name);
              s.setString(2, holder);
              s.setLong(3, myFence);
              return s.executeUpdate();
            }
          });
    } catch (RuntimeException e) {
      LOG.warn("cannot release lease {}; it expires in {}: {}", name, ttl, e.getMessage());
    }
  }
}
