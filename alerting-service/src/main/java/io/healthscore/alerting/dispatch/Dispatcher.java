package io.healthscore.alerting.dispatch;

import io.healthscore.alerting.channel.AlertSender;
import io.healthscore.alerting.channel.ChannelStore;
import io.healthscore.alerting.channel.SendResult;
import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.runtime.logging.FailureLog;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads that send what the outbox holds. Each claims a few due deliveries (a lease, see
 * {@link DeliveryStore}), sends them one by one, records their outcomes in one transaction, then
 * claims again; with nothing due it sleeps until the next due time, the poll interval, or
 * {@link #wakeUp()}, whichever comes first. Because a delivery is marked delivered only after the receiver's 2xx, a crash
 * between send and mark sends it again later: at-least-once, with the same idempotency key.
 */
final class Dispatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private final FailureLog failures = new FailureLog(LOG, "alert dispatcher");
  /** Deliveries claimed at once: two commits (claim, record) serve this many sends. */
  private static final int CLAIM_BATCH = 32;
  private static final long MIN_WAIT_MS = 5;

  private final DeliveryStore store;
  private final ChannelStore channels;
  private final AlertSender sender;
  private final Backoff backoff;
  private final DeliveryMetrics metrics;
  private final DeliverySettings settings;
  private final Clock clock;
  /** Identifies this process's leases; a restarted process is a new owner. */
  private final String owner = UUID.randomUUID().toString();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition signalled = lock.newCondition();
  private long signals;
  private final AtomicLong lastBacklogRefreshMs = new AtomicLong();
  private volatile boolean running;
  private final List<Thread> threads = new ArrayList<>();

  Dispatcher(
      DeliveryStore store,
      ChannelStore channels,
      AlertSender sender,
      Backoff backoff,
      DeliveryMetrics metrics,
      DeliverySettings settings,
      Clock clock) {
    this.store = store;
    this.channels = channels;
    this.sender = sender;
    this.backoff = backoff;
    this.metrics = metrics;
    this.settings = settings;
    this.clock = clock;
  }

  synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    for (int i = 0; i < settings.threads(); i++) {
      Thread t = DaemonThreads.named("alert-dispatcher-" + i).newThread(this::run);
      threads.add(t);
      t.start();
    }
  }

  /** Sends what became due now instead of at the next poll. */
  void wakeUp() {
    lock.lock();
    try {
      signals++;
      signalled.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops claiming and waits for sends in flight, up to {@code grace}; a send still running after
   * that is interrupted, and its lease expires so another dispatcher (or the next start) sends again.
   */
  synchronized void stop(Duration grace) {
    running = false;
    wakeUp();
    long deadline = System.nanoTime() + grace.toNanos();
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        t.interrupt();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    threads.clear();
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(5));
  }

  private void run() {
    while (running) {
      long seen = currentSignals();
      try {
        refreshBacklog();
        int dispatched = dispatchDue();
        failures.succeeded();
        if (dispatched == 0) {
          awaitWork(seen, store.nextDueMs());
        }
      } catch (RuntimeException e) {
        // The database may be briefly unreachable; keep the thread and try again after a pause.
        failures.failed(e);
        awaitWork(seen, Optional.empty());
      }
    }
  }

  /**
   * Claims a batch of due deliveries, makes one attempt for each and records the outcomes together;
   * returns how many. Each claim is leased long enough for the sends before it to time out (see
   * {@link DeliveryStore#claimDue}); a claim whose lease would still run out during its send (the
   * database was slow to record) is renewed first, and skipped when another dispatcher has it. A
   * batch that runs long records what it has before half the lease margin passes.
   */
  int dispatchDue() {
    long marginMs = settings.leaseMargin().toMillis();
    List<DeliveryStore.Claim> claims = store.claimDue(CLAIM_BATCH, clock.millis(), owner, marginMs);
    List<DeliveryStore.Attempt> attempts = new ArrayList<>();
    List<Runnable> recorded = new ArrayList<>();
    long flushAfter = System.nanoTime() + settings.leaseMargin().toNanos() / 2;
    for (DeliveryStore.Claim claim : claims) {
      if (System.nanoTime() > flushAfter) {
        record(attempts, recorded);
        flushAfter = System.nanoTime() + settings.leaseMargin().toNanos() / 2;
      }
      long sendEndsBy = clock.millis() + claim.timeoutMs() + marginMs / 2;
      if (sendEndsBy > claim.leaseUntilMs()) {
        long until = clock.millis() + claim.timeoutMs() + marginMs;
        if (!store.renewLease(claim, owner, until)) {
          continue;
        }
        claim = claim.withLeaseUntil(until);
      }
      deliver(claim, attempts, recorded);
    }
    record(attempts, recorded);
    return claims.size();
  }

  /** Records the attempts, then the metrics that count them as done. */
  private void record(List<DeliveryStore.Attempt> attempts, List<Runnable> recorded) {
    store.record(attempts, owner);
    recorded.forEach(Runnable::run);
    attempts.clear();
    recorded.clear();
  }

  /** One attempt for one claimed delivery; its outcome and metrics are added for recording. */
  private void deliver(DeliveryStore.Claim claim, List<DeliveryStore.Attempt> attempts, List<Runnable> recorded) {
    Optional<Channel> channel = channels.withSecret(claim.channelId());
    long started = System.nanoTime();
    SendResult result =
        channel
            .map(c -> sender.send(c, claim.event()))
            .orElseGet(
                () -> SendResult.rejected(0, "channel " + claim.channelId() + " does not exist"));
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    ChannelType type = channel.map(Channel::getType).orElse(ChannelType.CHANNEL_TYPE_UNSPECIFIED);
    long now = clock.millis();
    switch (result.outcome()) {
      case DELIVERED -> {
        attempts.add(DeliveryStore.Attempt.delivered(claim.deliveryId()));
        recorded.add(() -> {
          metrics.attempt(type, DeliveryMetrics.DELIVERED, took);
          metrics.delivered(type, Duration.ofMillis(now - claim.createMs()));
        });
      }
      case RETRY -> {
        int tries = claim.attempts() + 1;
        int maxAttempts = channel.map(Channel::getMaxAttempts).orElse(1);
        boolean dead = tries >= maxAttempts;
        long next = now + backoff.delay(claim.attempts(), result.retryAfter()).toMillis();
        String error = dead
            ? result.errorWithAnswer() + " (gave up after " + tries + " attempts)"
            : result.errorWithAnswer();
        attempts.add(DeliveryStore.Attempt.failed(claim.deliveryId(), error, dead, next));
        recorded.add(() -> metrics.attempt(type, dead ? DeliveryMetrics.DEAD_LETTERED : DeliveryMetrics.FAILED, took));
      }
      case REJECTED -> {
        attempts.add(DeliveryStore.Attempt.failed(claim.deliveryId(), result.errorWithAnswer() + " (not retried)", true, now));
        recorded.add(() -> metrics.attempt(type, DeliveryMetrics.DEAD_LETTERED, took));
      }
    }
  }

  private void refreshBacklog() {
    long now = clock.millis();
    long last = lastBacklogRefreshMs.get();
    // One thread per interval refreshes; the others skip.
    if (now - last >= settings.pollInterval().toMillis() && lastBacklogRefreshMs.compareAndSet(last, now)) {
      metrics.backlog(store.backlog());
    }
  }

  private long currentSignals() {
    lock.lock();
    try {
      return signals;
    } finally {
      lock.unlock();
    }
  }

  /** Sleeps until woken, the next due time or the poll interval, unless woken since {@code seen}. */
  private void awaitWork(long seen, Optional<Long> nextDueMs) {
    long waitMs = settings.pollInterval().toMillis();
    if (nextDueMs.isPresent()) {
      // At least a few milliseconds: a due row may be leased to another replica's claim right now.
      waitMs = Math.max(MIN_WAIT_MS, Math.min(waitMs, nextDueMs.get() - clock.millis()));
    }
    lock.lock();
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
      while (running && signals == seen) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        signalled.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    } finally {
      lock.unlock();
    }
  }
}
