package io.healthscore.scoring.scoring;

import io.healthscore.scoring.store.SetAsideAccount;
import io.healthscore.scoring.store.SetAsideStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts whose scores could not be applied, set aside so the feed batch or rescore they were in
 * goes on without them, and retried with exponential backoff ({@link #FIRST_RETRY} doubling up to
 * {@link #LAST_RETRY}) until they apply. Kept in the store, so a restart retries them too.
 *
 * <p>Each account is logged once when it is set aside and once when it applies again; a failed
 * retry only counts ({@code healthscore_scoring_apply_failures_total{source}}), so an account that
 * keeps failing does not flood the log. {@code healthscore_scoring_set_aside_accounts} shows how
 * many wait.
 */
public final class SetAsideAccounts {
  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration LAST_RETRY = Duration.ofMinutes(10);
  private static final Logger LOG = LoggerFactory.getLogger(SetAsideAccounts.class);

  private final SetAsideStore store;
  private final Clock clock;
  private final MeterRegistry registry;
  private final Map<String, SetAsideAccount> waiting = new ConcurrentHashMap<>();
  private final Map<String, Counter> failures = new ConcurrentHashMap<>();
  private final Counter recovered;

  public SetAsideAccounts(SetAsideStore store, Clock clock, MeterRegistry registry) {
    this.store = store;
    this.clock = clock;
    this.registry = registry;
    store.all().forEach(a -> waiting.put(a.accountId(), a));
    this.recovered =
        Counter.builder("healthscore.scoring.apply.recovered")
            .description("Set-aside accounts that applied on a later attempt")
            .register(registry);
    Gauge.builder("healthscore.scoring.set.aside.accounts", waiting, Map::size)
        .description("Accounts whose scores failed to apply, waiting for a retry")
        .register(registry);
  }

  /**
   * Sets the accounts aside (or pushes back their next attempt), durably, before the caller moves
   * past them. {@code source} says who failed to apply them: feed, rescore or retry.
   */
  public synchronized void failed(String source, Map<String, RuntimeException> errors) {
    long now = clock.millis();
    List<SetAsideAccount> updated = new ArrayList<>(errors.size());
    errors.forEach(
        (id, error) -> {
          SetAsideAccount before = waiting.get(id);
          int attempts = before == null ? 1 : before.attempts() + 1;
          updated.add(
              new SetAsideAccount(
                  id, attempts, now + backoff(attempts).toMillis(), before == null ? now : before.firstFailedMillis(),
                  describe(error)));
          if (before == null) {
            LOG.warn("account " + id + " failed to apply (" + source + "): " + describe(error)
                    + "; set aside and retried with backoff");
          }
        });
    store.put(updated);
    updated.forEach(a -> waiting.put(a.accountId(), a));
    failures
        .computeIfAbsent(
            source,
            s ->
                Counter.builder("healthscore.scoring.apply.failures")
                    .description("Accounts whose scores failed to apply, by who applied them")
                    .tag("source", s)
                    .register(registry))
        .increment(errors.size());
  }

  /** Forgets those of the accounts that were set aside: they applied. */
  public void applied(Collection<String> accountIds) {
    if (waiting.isEmpty()) {
      return;
    }
    List<String> back = new ArrayList<>();
    for (String id : accountIds) {
      if (waiting.containsKey(id)) {
        back.add(id);
      }
    }
    if (back.isEmpty()) {
      return;
    }
    synchronized (this) {
      store.remove(back);
      for (String id : back) {
        SetAsideAccount a = waiting.remove(id);
        if (a != null) {
          recovered.increment();
          LOG.info("account " + id + " applied again after " + a.attempts() + " failed attempts");
        }
      }
    }
  }

  /** The accounts whose next attempt is due, longest waiting first. */
  public List<String> due() {
    long now = clock.millis();
    return waiting.values().stream()
        .filter(a -> a.nextAttemptMillis() <= now)
        .sorted((x, y) -> Long.compare(x.nextAttemptMillis(), y.nextAttemptMillis()))
        .map(SetAsideAccount::accountId)
        .toList();
  }

  public boolean isSetAside(String accountId) {
    return waiting.containsKey(accountId);
  }

  static Duration backoff(int attempts) {
    long millis = FIRST_RETRY.toMillis() << Math.min(30, attempts - 1);
    return Duration.ofMillis(Math.min(LAST_RETRY.toMillis(), millis));
  }

  private static String describe(RuntimeException e) {
    String message = e.getMessage() == null ? "" : e.getMessage().replace('\n', ' ');
    return e.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
  }
}
