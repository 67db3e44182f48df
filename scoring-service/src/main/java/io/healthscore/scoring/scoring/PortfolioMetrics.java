package io.healthscore.scoring.scoring;

import io.healthscore.scoring.engine.MetricCatalog;
import io.healthscore.scoring.store.MetricCatalogStore;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The metrics any account has ever sent, learnt from the signals change feed (each change names
 * the metrics that received signals) and stored, so scoring can tell a metric nobody sends from
 * one an account failed to send. Metric names seen for the first time go to a listener, which
 * rescores the accounts scored before the portfolio was known to send them.
 */
public final class PortfolioMetrics implements MetricCatalog {
  /** Producers that invent names without end stop being remembered beyond this many. */
  static final int MAX_METRICS = 100_000;

  private final MetricCatalogStore store;
  private final Clock clock;
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  private volatile Consumer<Set<String>> onFirstSeen = names -> { };

  public PortfolioMetrics(MetricCatalogStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
    known.addAll(store.all());
  }

  /** Called with the names of each batch of metrics seen for the first time, after they are stored. */
  public void onFirstSeen(Consumer<Set<String>> listener) {
    this.onFirstSeen = listener;
  }

  /** Remembers the metrics; the new ones are stored before this returns. */
  public void record(Collection<String> metrics) {
    Set<String> fresh = new LinkedHashSet<>();
    for (String m : metrics) {
      if (!known.contains(m) && known.size() + fresh.size() < MAX_METRICS) {
        fresh.add(m);
      }
    }
    if (fresh.isEmpty()) {
      return;
    }
    store.add(fresh, clock.millis());
    known.addAll(fresh);
    onFirstSeen.accept(fresh);
  }

  /** Learns the metrics another replica stored (it rescores for them; this one only follows). */
  public void reload() {
    for (String m : store.all()) {
      if (known.size() >= MAX_METRICS) {
        return;
      }
      known.add(m);
    }
  }

  @Override
  public boolean everSent(String metric) {
    return known.contains(metric);
  }
}
