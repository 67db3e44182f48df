package io.healthscore.scoring.upstream;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.learn.FeatureSource;
import io.healthscore.v1.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Past outcomes and point-in-time features from signals-service, for calibration and backtests:
 * the whole training set in one StreamFeatureSnapshots read with the caller's projection.
 * Features are as of the moment asked (signals-service never uses later data), and so are the
 * snapshot's segment, stage and MRR: they come from the account's attribute history as of that
 * moment, never from today's account (parent and owner are today's, from the directory).
 */
public final class SignalsFeatureSource implements FeatureSource {
  static final String SEGMENT = "account.segment";
  static final String STAGE = "account.lifecycle_stage";
  static final String MRR = "account.mrr";

  private final OutcomeSource outcomeSource;
  private final FeatureSnapshots snapshots;
  private final AccountDirectory directory;
  private final FeatureSelection wanted;
  private List<Outcome> outcomes;

  /** {@code wanted} is widened by the account's segment, stage and MRR, which every snapshot carries. */
  public SignalsFeatureSource(
      OutcomeSource outcomeSource, FeatureSnapshots snapshots, AccountDirectory directory, FeatureSelection wanted) {
    this.outcomeSource = outcomeSource;
    this.snapshots = snapshots;
    this.directory = directory;
    this.wanted = withAttributes(wanted);
  }

  private static FeatureSelection withAttributes(FeatureSelection wanted) {
    if (wanted.all()) {
      return wanted;
    }
    Set<String> features = new HashSet<>(wanted.features());
    features.add(MRR);
    Set<String> labels = new HashSet<>(wanted.labels());
    labels.add(SEGMENT);
    labels.add(STAGE);
    return FeatureSelection.of(features, labels);
  }

  @Override
  public synchronized List<Outcome> outcomes() {
    if (outcomes == null) {
      outcomes = outcomeSource.allOutcomes();
    }
    return outcomes;
  }

  @Override
  public List<AccountSnapshot> snapshotsAsOf(List<Moment> moments) {
    List<SnapshotKey> keys = new ArrayList<>(moments.size());
    for (Moment m : moments) {
      keys.add(new SnapshotKey(m.accountId(), m.asOfMillis()));
    }
    AccountSnapshot[] result = new AccountSnapshot[moments.size()];
    snapshots.read(keys, wanted, row -> result[row.keyIndex()] = snapshot(row));
    return Arrays.asList(result);
  }

  private AccountSnapshot snapshot(FeatureRow row) {
    String accountId = row.key().accountId();
    Map<String, Double> features = row.features();
    Map<String, String> labels = row.labels();
    Optional<AccountInfo> today = directory.cached(accountId);
    Double mrr = features.get(MRR);
    return new AccountSnapshot(
        accountId,
        labels.getOrDefault(SEGMENT, ""),
        labels.getOrDefault(STAGE, ""),
        today.map(AccountInfo::parentAccountId).orElse(""),
        today.map(AccountInfo::owner).orElse(""),
        mrr == null ? 0 : mrr,
        features,
        labels);
  }
}
