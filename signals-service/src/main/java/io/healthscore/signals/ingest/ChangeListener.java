package io.healthscore.signals.ingest;

import java.util.Map;
import java.util.Set;

/** Told which accounts and metrics changed, so that downstream consumers (the change feed) can follow. */
public interface ChangeListener {

  /**
   * Called once a batch is durable, and again at start for batches replayed from the write-ahead
   * log: delivery is at-least-once. Called on the engine's log writer thread, which every ingest
   * waits for: return quickly (hand the work to another thread; a later {@link #flush} must still
   * see it).
   *
   * @param metricsByAccount the metrics that received signals, by account id; not changed afterwards
   */
  void onSignals(Map<String, Set<String>> metricsByAccount);

  /** Called before a checkpoint lets write-ahead log segments go: persist whatever is buffered. */
  void flush();

  /** A listener that ignores everything. */
  ChangeListener NONE =
      new ChangeListener() {
        @Override
        public void onSignals(Map<String, Set<String>> metricsByAccount) {}

        @Override
        public void flush() {}
      };
}
