package io.healthscore.scoring.upstream;

import java.util.List;
import java.util.function.Consumer;

/**
 * Bulk point-in-time reads: the features of many (account, moment) pairs in a handful of round
 * trips, for training sets, backtests and rescores.
 */
public interface FeatureSnapshots {
  /**
   * Hands {@code each} one row per pair whose account existed at that moment, in the keys' order,
   * on the calling thread, as the rows arrive. Pairs of accounts that did not exist are skipped.
   */
  void read(List<SnapshotKey> keys, FeatureSelection wanted, Consumer<FeatureRow> each);
}
